#!/usr/bin/env node
// Folder-level import cycles in src/ (dependency-cruiser's rules see cycles between files only):
// builds the folder graph from its JSON output, prints every cycle, exits 1 if there is one.
// `--types`: count type-only imports too (off by default: they vanish at run time, like the file rule).
import { execFileSync } from 'node:child_process';

const withTypes = process.argv.includes('--types');
const json = execFileSync('npx', ['depcruise', 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {
  encoding: 'utf8',
  maxBuffer: 256 * 1024 * 1024,
});
const folderOf = (file) => /^src\/[^/]+(?=\/)/.exec(file)?.[0] ?? file;
const sets = new Map();
for (const m of JSON.parse(json).modules) {
  if (!m.source.startsWith('src/')) continue;
  const from = folderOf(m.source);
  if (!sets.has(from)) sets.set(from, new Set());
  for (const d of m.dependencies) {
    if (!d.resolved.startsWith('src/') || (!withTypes && d.dependencyTypes.includes('type-only'))) continue;
    const to = folderOf(d.resolved);
    if (to !== from) sets.get(from).add(to);
  }
}
const edges = new Map([...sets].map(([k, v]) => [k, [...v].sort()]));

// Tarjan's strongly connected components: every component with more than one folder is a cycle.
let index = 0;
const stack = [];
const info = new Map();
const cycles = [];
function visit(v) {
  info.set(v, { index, low: index, onStack: true });
  index++;
  stack.push(v);
  for (const w of edges.get(v) ?? []) {
    if (!info.has(w)) {
      visit(w);
      info.get(v).low = Math.min(info.get(v).low, info.get(w).low);
    } else if (info.get(w).onStack) {
      info.get(v).low = Math.min(info.get(v).low, info.get(w).index);
    }
  }
  if (info.get(v).low !== info.get(v).index) return;
  const component = [];
  let w;
  do {
    w = stack.pop();
    info.get(w).onStack = false;
    component.push(w);
  } while (w !== v);
  if (component.length > 1) cycles.push(component.sort());
}
for (const v of [...edges.keys()].sort()) if (!info.has(v)) visit(v);

for (const c of cycles) {
  const inside = new Set(c);
  console.error(`folder cycle: ${c.join(', ')}`);
  for (const from of c) for (const to of edges.get(from) ?? []) if (inside.has(to)) console.error(`  ${from} -> ${to}`);
}
if (cycles.length > 0) process.exit(1);
console.log(`no folder-level cycles (${edges.size} folders)`);
