/**
 * Where the time went in a V8 CPU profile (`node --cpu-prof`, e.g. from `iceberg.ts --cpu-prof DIR`):
 * self and total time per function, and self time per package or source folder.
 *
 *   npx tsx test/bench/profile-summary.ts DIR/floe-1-write-bench_floe_append.cpuprofile [--top N]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
const top = Number(values.top);

/** node_modules/<package> or the repository folder a function lives in; V8's pseudo-frames as they are. */
function area(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.startsWith('node:')) return 'node internals';
  const repo = /\/(core|test)\/(.*)\/[^/]+$/.exec(url);
  return repo ? `${repo[1]}/${repo[2]}` : url;
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^.*\/(node_modules\/)?/, '');
  return `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
}

for (const path of positionals) {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // Self time per node from the samples and the time deltas between them (microseconds).
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const areas = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    self.set(label(node), (self.get(label(node)) ?? 0) + us);
    const a = area(node.callFrame.url, node.callFrame.functionName);
    areas.set(a, (areas.get(a) ?? 0) + us);
    // Total time: every distinct function on the stack gets the sample once (recursion counted once).
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const l = label(byId.get(at)!);
      if (!seen.has(l)) { seen.add(l); total.set(l, (total.get(l) ?? 0) + us); }
    }
  }
  const wallUs = profile.endTime - profile.startTime;
  const show = (title: string, m: Map<string, number>) => {
    console.log(`\n${title}`);
    for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`${(us / 1000).toFixed(0).padStart(8)} ms ${(100 * us / wallUs).toFixed(1).padStart(5)} %  ${k}`);
    }
  };
  console.log(`${path}: ${(wallUs / 1e6).toFixed(2)} s profiled, ${profile.samples.length} samples`);
  show('self time by package / folder', areas);
  show('self time by function', self);
  show('total time by function (callees included)', total);
}
