/// <reference types="svelte" />
/// <reference types="vite/client" />

declare const __APP_VERSION__: string;
/** Catalogue entries added at build time (vite.config.ts `extraCatalogue`); usually none. */
declare const __ATELIER_EXTRA_CATALOGUE__: unknown[];
