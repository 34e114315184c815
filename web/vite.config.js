import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// `npm run dev` proxies the API, the dev IdP and the stub model to `make dev`'s stack.
const stack = process.env.STACK_URL || "http://127.0.0.1:3000";

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: { "/v1": stack, "/local": stack, "/ws": { target: stack.replace(/^http/, "ws"), ws: true } },
  },
  build: { outDir: "dist", sourcemap: false },
  test: { environment: "jsdom", include: ["test/**/*.test.{js,jsx}"] },
});
