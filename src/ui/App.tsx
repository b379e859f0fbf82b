// The studio page: drop -> model card -> calibrate -> choose size -> preview -> export.
import { useEffect } from 'react';
import { studioStore } from '../store';
import { CalibrationPanel } from './CalibrationPanel';
import { DropZone } from './DropZone';
import { ErrorBanner } from './ErrorBanner';
import { ExportPanel } from './ExportPanel';
import { LoadProgress } from './LoadProgress';
import { ModelCard } from './ModelCard';
import { PreviewPanel } from './PreviewPanel';
import { TargetPanel } from './TargetPanel';
import { TradeoffPanel } from './TradeoffPanel';

export function App() {
  useEffect(() => {
    if (!('gpu' in navigator)) {
      studioStore.getState().reportError({
        kind: 'no-webgpu',
        message: 'This browser does not expose WebGPU (navigator.gpu is missing).',
        fix: 'Use Chrome or Edge 113 or newer (on Linux start Chromium with --enable-unsafe-webgpu), or use the command-line tool.',
      });
    }
  }, []);
  return (
    <>
      <header className="top">
        <h1>COMPACT studio</h1>
        <p className="muted">Prune a causal language model's rare vocabulary and FFN channels, in your browser, on your GPU.</p>
      </header>
      <main>
        <ErrorBanner />
        <DropZone />
        <LoadProgress />
        <ModelCard />
        <CalibrationPanel />
        <TradeoffPanel />
        <TargetPanel />
        <PreviewPanel />
        <ExportPanel />
      </main>
      <footer className="muted small">Everything runs locally. Method: COMPACT (arXiv 2509.06836), with merge closure and bits-per-byte evaluation added here.</footer>
    </>
  );
}
