// Bundles the playground (src/main.jsx and GraphiQL's stylesheet) into dist/,
// which the server serves from GRAPHIQL_ASSETS_DIR (default web/dist).
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

fs.rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: { playground: 'src/main.jsx' },
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.svg': 'file' },
  outdir: 'dist',
  logLevel: 'warning',
});
await build({
  entryPoints: { playground: 'src/style.css' },
  bundle: true,
  minify: true,
  loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.svg': 'file' },
  outdir: 'dist',
  logLevel: 'warning',
});
console.log(`built ${fs.readdirSync('dist').join(', ')} into ${path.resolve('dist')}`);
