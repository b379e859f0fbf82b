// WGSL sources are imported as strings: `import code from '../../shaders/nn/matmul.wgsl?raw'`.
declare module '*.wgsl?raw' {
  const source: string;
  export default source;
}
