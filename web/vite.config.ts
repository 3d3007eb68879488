import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';

// The core serves web/dist itself; in development Vite proxies the API to a locally running core,
// so the session cookie stays same-origin in both cases.
export default defineConfig({
  plugins: [solid()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  server: {
    proxy: { '/api': { target: 'http://127.0.0.1:8080', changeOrigin: false } },
  },
});
