import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { handleError } from './lib/errors/handle-error';
import './lib/compute/test-hooks';
import { pwa } from './lib/pwa/pwa.svelte';
import { incoming } from './lib/pwa/incoming.svelte';

// Nothing fails silently: anything uncaught reaches the person through the one error edge.
window.addEventListener('unhandledrejection', (event) => handleError(event.reason));
window.addEventListener('error', (event) => handleError(event.error ?? event.message));
void import('./lib/state/session-tracker').then((m) => m.startSessionTracking()); // Insights: active time

pwa.start();
incoming.start();

const target = document.getElementById('app');
if (!target) throw new Error('index.html lacks #app');
export default mount(App, { target });
