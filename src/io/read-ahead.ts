// One item of look-ahead over an async source: the safetensors writer reads (and gathers) the next
// chunk while it writes this one.

/** Yields what `source` yields, asking it for the next item before handing out the current one, so
 *  producing item i+1 overlaps the consumer's work on item i (at most one item waits). */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let next = it.next();
  try {
    for (;;) {
      const r = await next;
      if (r.done) return;
      next = it.next();
      next.catch(() => {}); // a failure ahead is seen (and thrown) when its turn comes
      yield r.value;
    }
  } finally {
    // the consumer stopped early (an error downstream): wait for the pending read, then close the source
    await next.catch(() => {});
    await it.return?.();
  }
}
