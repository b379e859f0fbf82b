// The studio page: drop -> model card -> calibrate -> choose size -> preview -> export.
import { useEffect } from 'react';
import { studioStore } from '../store';
import { CalibrationPanel } from './CalibrationPanel';
import { DevicePanel } from './DevicePanel';
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
    // The worker acquires the device now, so "no WebGPU" or "no adapter" shows before any drop.
    void studioStore.getState().probeGpu();
  }, []);
  return (
    <>
      <header className="top">
        <h1>COMPACT studio</h1>
        <p className="muted">Prune a causal language model's rare vocabulary and FFN channels, in your browser, on your GPU.</p>
      </header>
      <main>
        <ErrorBanner />
        <DevicePanel />
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
