/** What the workers found on this device, and the backend the studio uses with it. */
import { chooseBackend, type BackendChoice, type DeviceProbe } from '../../shared/compute/backend';
import { renderClient } from '../compute/render-client';
import { textClient } from '../compute/text-client';
import { settings } from './settings.svelte';

class ComputeStatus {
  probe = $state<DeviceProbe | null>(null);
  textProbe = $state<DeviceProbe | null>(null);
  error = $state<string | null>(null);
  choice = $derived<BackendChoice | null>(
    this.probe ? chooseBackend(settings.backend, this.probe) : null,
  );

  /** Probes both workers. @throws nothing: a failed probe is shown as WASM with the reason. */
  async refresh(): Promise<void> {
    try {
      const [render, text] = await Promise.all([
        renderClient.call((api) => api.probe(), { timeoutMs: 30_000 }),
        textClient.call((api) => api.probe(), { timeoutMs: 30_000 }),
      ]);
      this.probe = render;
      this.textProbe = text;
      this.error = null;
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    }
  }
}

export const computeStatus = new ComputeStatus();
