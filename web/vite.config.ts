import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';

// The core serves web/dist itself; in development Vite proxies the API to a locally running core,
// so the session cookie stays same-origin in both cases.
export default defineConfig({
  plugins: [solid()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // two apps: the staff UI (index.html) and the public WebOPAC / kiosk (opac.html)
    rollupOptions: { input: { staff: 'index.html', opac: 'opac.html' } },
  },
  server: {
    proxy: { '/api': { target: 'http://127.0.0.1:8080', changeOrigin: false } },
  },
});
