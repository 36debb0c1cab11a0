import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = path.dirname(fileURLToPath(import.meta.url));

/** The tab is served by Pacer under /tab/; its API is on the same origin (/api/v1). */
export default defineConfig({
  root: here,
  base: "/tab/",
  esbuild: { jsx: "automatic" },
  build: {
    outDir: path.join(here, "dist"),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      // The Entra callback page (served by Pacer's API, not built here) loads auth-end.js by a fixed name.
      input: { main: path.join(here, "index.html"), "auth-end": path.join(here, "src/authEnd.ts") },
      output: { entryFileNames: (chunk) => (chunk.name === "auth-end" ? "auth-end.js" : "assets/[name]-[hash].js") },
      // Fluent UI marks its modules "use client" (for React Server Components); irrelevant in a bundle.
      onwarn(warning, warn) {
        if (warning.code === "MODULE_LEVEL_DIRECTIVE" || warning.code === "SOURCEMAP_ERROR") return;
        warn(warning);
      },
    },
  },
  server: { proxy: { "/api": "http://localhost:3978" } },
});
