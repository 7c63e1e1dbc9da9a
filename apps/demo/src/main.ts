import { runDemo } from './run-demo.js';

// `RESULT_BACKEND=redis://127.0.0.1:6379/0 pnpm demo` runs the same jobs against another backend.
const url = process.env.RESULT_BACKEND ?? 'memory://demo';
await runDemo({ url, log: (line) => console.log(line) });
