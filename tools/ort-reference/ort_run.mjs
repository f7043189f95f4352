#!/usr/bin/env node
// ONNX Runtime (onnxruntime-node, CPU EP) reference runner for sinkc. See README.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { readNpy, writeNpy, writeNpz, typedArrayFor, NpyError } from './npy.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');

const USAGE = `usage: node ort_run.mjs MODEL.onnx [inputs] [--out OUT.npy|OUT.npz] [options]

inputs (LM mode; input_ids is int64 [B,T], attention_mask = ones, position_ids = 0..T-1
when the model has them):
  --tokens 1,2,3            one row of token ids; repeat for more rows (same length = batch)
  --tokens-file F           .npy int array [T] or [B,T], or text: one row per line,
                            ids separated by commas or whitespace
inputs (generic mode, may be combined with LM mode; overrides the filled inputs):
  --input-npy NAME=F.npy    feed model input NAME from a .npy file (repeatable); when
                            input_ids comes from a .npy, attention_mask / position_ids
                            are still filled unless given
outputs:
  --out F.npy|F.npz         .npy: exactly one output; .npz: any number (stored zip)
  --outputs a,b,...|all     outputs to fetch (default: logits if the model has it, else all)
                            without --out, a JSON summary of each output is printed
session / timing:
  --threads N               intraOpNumThreads = N, interOpNumThreads = 1
  --graph-opt LEVEL         disabled|basic|extended|all (default all)
  --no-spin                 intra/inter-op threads block instead of spin-waiting
                            (session.intra_op.allow_spinning=0); helps on a busy machine
  --session-config K=V      any ORT session config entry, e.g.
                            session.set_denormal_as_zero=1 (repeatable)
  --bench N [--warmup W]    run N timed runs after W warm-up runs (default W = 3) and print
                            per-run wall times (ms) and the median as JSON on stdout, with
                            foreign_cpu_cores: CPU that other processes used meanwhile
                            (null if the N runs took < 0.5 s)
  --print-io                print the model's inputs and outputs as JSON and exit
  --ort-dir DIR             where onnxruntime-node is installed (default: $SINKC_ORT_DIR or
                            <repo>/.deps/ort, see scripts/install-ort.sh)
`;

class UsageError extends Error {}
class RunError extends Error {}

function parseArgs(argv) {
  const o = {
    model: null, tokens: [], tokensFile: null, inputNpy: [], out: null, outputs: null,
    threads: null, graphOpt: 'all', sessionConfig: [], bench: null, warmup: 3, printIo: false,
    ortDir: process.env.SINKC_ORT_DIR || path.join(REPO, '.deps', 'ort'),
  };
  const need = (i, flag) => {
    if (i + 1 >= argv.length) throw new UsageError(`${flag} needs a value`);
    return argv[i + 1];
  };
  const posInt = (v, flag, min = 1) => {
    if (!/^\d+$/.test(v) || Number(v) < min) throw new UsageError(`${flag} needs an integer >= ${min}, got '${v}'`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let inlineVal = null;
    if (a.startsWith('--') && a.includes('=') && !a.startsWith('--input-npy=')) {
      [a, inlineVal] = [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)];
    } else if (a.startsWith('--input-npy=')) {
      inlineVal = a.slice('--input-npy='.length); a = '--input-npy';
    }
    const val = () => {
      if (inlineVal !== null) return inlineVal;
      const v = need(i, a); i++; return v;
    };
    switch (a) {
      case '-h': case '--help': process.stdout.write(USAGE); process.exit(0); break;
      case '--tokens': o.tokens.push(val()); break;
      case '--tokens-file': o.tokensFile = val(); break;
      case '--input-npy': {
        const v = val();
        const eq = v.indexOf('=');
        if (eq <= 0 || eq === v.length - 1) throw new UsageError(`--input-npy expects NAME=FILE.npy, got '${v}'`);
        o.inputNpy.push([v.slice(0, eq), v.slice(eq + 1)]);
        break;
      }
      case '--out': case '-o': o.out = val(); break;
      case '--outputs': o.outputs = val().split(',').map((s) => s.trim()).filter((s) => s); break;
      case '--threads': o.threads = posInt(val(), '--threads'); break;
      case '--graph-opt': {
        const v = val();
        if (!['disabled', 'basic', 'extended', 'all'].includes(v)) throw new UsageError(`--graph-opt must be disabled|basic|extended|all, got '${v}'`);
        o.graphOpt = v; break;
      }
      case '--bench': o.bench = posInt(val(), '--bench'); break;
      case '--warmup': o.warmup = posInt(val(), '--warmup', 0); break;
      case '--print-io': o.printIo = true; break;
      case '--no-spin':
        o.sessionConfig.push(['session.intra_op.allow_spinning', '0'], ['session.inter_op.allow_spinning', '0']);
        break;
      case '--session-config': {
        const v = val();
        const eq = v.indexOf('=');
        if (eq <= 0) throw new UsageError(`--session-config expects KEY=VALUE, got '${v}'`);
        o.sessionConfig.push([v.slice(0, eq), v.slice(eq + 1)]);
        break;
      }
      case '--ort-dir': o.ortDir = val(); break;
      default:
        if (a.startsWith('-')) throw new UsageError(`unknown option '${a}'`);
        if (o.model !== null) throw new UsageError(`more than one model given ('${o.model}', '${a}')`);
        o.model = a;
    }
  }
  if (o.model === null) throw new UsageError('no model given');
  if (o.out !== null && !/\.(npy|npz)$/.test(o.out)) throw new UsageError(`--out must end in .npy or .npz, got '${o.out}'`);
  return o;
}

function parseTokenRow(s, where) {
  const parts = s.split(/[\s,]+/).filter((p) => p.length > 0);
  if (parts.length === 0) throw new UsageError(`${where}: empty token list`);
  return parts.map((p) => {
    if (!/^\d+$/.test(p)) throw new UsageError(`${where}: bad token '${p}' (token ids are non-negative integers)`);
    return BigInt(p);
  });
}

function loadTokens(o) {
  const rows = o.tokens.map((s, i) => parseTokenRow(s, `--tokens #${i + 1}`));
  if (o.tokensFile !== null) {
    if (!fs.existsSync(o.tokensFile)) throw new RunError(`tokens file not found: ${o.tokensFile}`);
    if (o.tokensFile.endsWith('.npy')) {
      const a = readNpy(o.tokensFile);
      if (!/^u?int/.test(a.type)) throw new RunError(`${o.tokensFile}: token array must be integer, got ${a.type}`);
      if (a.shape.length < 1 || a.shape.length > 2) throw new RunError(`${o.tokensFile}: token array must be [T] or [B,T], got [${a.shape}]`);
      const [B, T] = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
      for (let b = 0; b < B; b++) {
        const row = [];
        for (let t = 0; t < T; t++) {
          const v = BigInt(a.data[b * T + t]);
          if (v < 0n) throw new RunError(`${o.tokensFile}: negative token id ${v}`);
          row.push(v);
        }
        rows.push(row);
      }
    } else {
      fs.readFileSync(o.tokensFile, 'utf8').split('\n').forEach((line, i) => {
        if (line.trim() !== '' && !line.trim().startsWith('#')) rows.push(parseTokenRow(line, `${o.tokensFile}:${i + 1}`));
      });
    }
  }
  if (rows.length === 0) return null;
  const T = rows[0].length;
  rows.forEach((r, i) => {
    if (r.length !== T) throw new UsageError(`token rows must all have the same length: row 0 has ${T}, row ${i} has ${r.length}`);
  });
  return { B: rows.length, T, rows };
}

function loadOrt(dir) {
  const pkg = path.join(dir, 'node_modules', 'onnxruntime-node', 'package.json');
  if (!fs.existsSync(pkg)) {
    throw new RunError(`onnxruntime-node not found in ${dir}; run scripts/install-ort.sh (or pass --ort-dir / set SINKC_ORT_DIR)`);
  }
  const req = createRequire(path.join(dir, 'package.json'));
  const ort = req('onnxruntime-node');
  return { ort, version: JSON.parse(fs.readFileSync(pkg, 'utf8')).version };
}

function intTensor(ort, type, shape, fill) {
  const n = shape.reduce((a, b) => a * b, 1);
  const A = typedArrayFor(type);
  const data = new A(n);
  const big = A === BigInt64Array || A === BigUint64Array;
  for (let i = 0; i < n; i++) { const v = fill(i); data[i] = big ? BigInt(v) : Number(v); }
  return new ort.Tensor(type, data, shape);
}

const FILLABLE_TYPES = ['int64', 'int32', 'int16', 'int8', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64', 'bool'];

function buildFeeds(ort, session, o, tokens) {
  const meta = new Map(session.inputMetadata.map((m) => [m.name, m]));
  const feeds = {};
  const source = {};
  if (tokens !== null) {
    const { B, T, rows } = tokens;
    const shape = [B, T];
    const want = (name) => {
      const m = meta.get(name);
      const type = m && m.isTensor ? m.type : 'int64';
      if (!FILLABLE_TYPES.includes(type)) throw new RunError(`model input '${name}' has type ${type}; cannot fill it in LM mode (use --input-npy)`);
      return type;
    };
    if (!meta.has('input_ids')) {
      throw new RunError(`--tokens given but the model has no 'input_ids' input (inputs: ${[...meta.keys()].join(', ')}); use --input-npy`);
    }
    feeds.input_ids = intTensor(ort, want('input_ids'), shape, (i) => rows[Math.floor(i / T)][i % T]);
    source.input_ids = 'tokens';
    if (meta.has('attention_mask')) {
      feeds.attention_mask = intTensor(ort, want('attention_mask'), shape, () => 1);
      source.attention_mask = 'ones';
    }
    if (meta.has('position_ids')) {
      feeds.position_ids = intTensor(ort, want('position_ids'), shape, (i) => i % T);
      source.position_ids = '0..T-1';
    }
  }
  for (const [name, file] of o.inputNpy) {
    if (!meta.has(name)) throw new RunError(`--input-npy: the model has no input '${name}' (inputs: ${[...meta.keys()].join(', ')})`);
    if (!fs.existsSync(file)) throw new RunError(`--input-npy: file not found: ${file}`);
    const a = readNpy(file);
    const m = meta.get(name);
    if (m.isTensor && m.type !== a.type) {
      throw new RunError(`--input-npy ${name}: the model wants ${m.type}, ${file} holds ${a.type} (convert it, e.g. numpy .astype)`);
    }
    if (m.isTensor && m.shape.length > 0 && m.shape.length !== a.shape.length) {
      throw new RunError(`--input-npy ${name}: the model wants rank ${m.shape.length} [${m.shape}], ${file} has shape [${a.shape}]`);
    }
    feeds[name] = new ort.Tensor(a.type, a.type === 'bool' ? Uint8Array.from(a.data) : a.data, a.shape);
    source[name] = file;
  }
  // input_ids from a .npy: fill attention_mask / position_ids as in LM mode.
  if (tokens === null && 'input_ids' in feeds && feeds.input_ids.dims.length === 2) {
    const [B, T] = feeds.input_ids.dims;
    if (meta.has('attention_mask') && !('attention_mask' in feeds)) {
      const m = meta.get('attention_mask');
      feeds.attention_mask = intTensor(ort, m.isTensor ? m.type : 'int64', [B, T], () => 1);
      source.attention_mask = 'ones';
    }
    if (meta.has('position_ids') && !('position_ids' in feeds)) {
      const m = meta.get('position_ids');
      feeds.position_ids = intTensor(ort, m.isTensor ? m.type : 'int64', [B, T], (i) => i % T);
      source.position_ids = '0..T-1';
    }
  }
  const missing = session.inputNames.filter((n) => !(n in feeds));
  if (missing.length > 0) {
    throw new RunError(`no value for model input(s) ${missing.join(', ')}; give --tokens (input_ids) or --input-npy NAME=FILE`);
  }
  return { feeds, source };
}

function chooseOutputs(session, o) {
  const all = session.outputNames;
  let names;
  if (o.outputs === null) names = all.includes('logits') ? ['logits'] : [...all];
  else if (o.outputs.length === 1 && o.outputs[0] === 'all') names = [...all];
  else names = o.outputs;
  const unknown = names.filter((n) => !all.includes(n));
  if (unknown.length > 0) {
    const shown = all.length > 20 ? `${all.slice(0, 20).join(', ')}, ... (${all.length} in all)` : all.join(', ');
    throw new RunError(`unknown output name(s) ${unknown.join(', ')}; the model's outputs are: ${shown}` +
      ' (intermediate values can be exposed with test/lib/add_outputs.py)');
  }
  if (names.length === 0) throw new UsageError('--outputs selected no output');
  return names;
}

// CPU time used by everything on the machine (ms), from /proc/stat; null where unavailable.
function machineBusyMs() {
  try {
    const f = fs.readFileSync('/proc/stat', 'latin1').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
    return ((user + nice + system + irq + softirq + (steal || 0)) * 1000) / 100; // USER_HZ = 100
  } catch {
    return null;
  }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

const round3 = (x) => Math.round(x * 1000) / 1000;

function summarize(t) {
  const d = t.data;
  const r = { type: t.type, shape: [...t.dims] };
  if (d && d.length > 0 && typeof d[0] === 'number' && t.type !== 'float16') {
    let mn = Infinity, mx = -Infinity, sum = 0;
    for (let i = 0; i < d.length; i++) { const v = d[i]; if (v < mn) mn = v; if (v > mx) mx = v; sum += v; }
    Object.assign(r, { min: mn, max: mx, mean: sum / d.length, first: Array.from(d.slice(0, 5)) });
  }
  return r;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(o.model)) throw new RunError(`model not found: ${o.model}`);
  const tokens = loadTokens(o);
  const { ort, version } = loadOrt(o.ortDir);

  const sessOpts = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: o.graphOpt,
    executionMode: 'sequential',
    interOpNumThreads: 1,
    logSeverityLevel: 4, // errors are reported by ort_run itself
  };
  if (o.threads !== null) sessOpts.intraOpNumThreads = o.threads;
  if (o.sessionConfig.length > 0) {
    // The node binding joins nested keys with '.', e.g. {session: {x: '1'}} -> session.x
    sessOpts.extra = {};
    for (const [k, v] of o.sessionConfig) {
      const parts = k.split('.');
      let obj = sessOpts.extra;
      for (const p of parts.slice(0, -1)) {
        if (typeof obj[p] !== 'object') obj[p] = {};
        obj = obj[p];
      }
      obj[parts[parts.length - 1]] = v;
    }
  }
  const t0 = performance.now();
  let session;
  try {
    session = await ort.InferenceSession.create(o.model, sessOpts);
  } catch (e) {
    throw new RunError(`ONNX Runtime could not load ${o.model}: ${e.message}`);
  }
  const createMs = performance.now() - t0;

  if (o.printIo) {
    const show = (m) => (m.isTensor ? { name: m.name, type: m.type, shape: m.shape } : { name: m.name, tensor: false });
    process.stdout.write(JSON.stringify({
      model: o.model, ort_version: version,
      inputs: session.inputMetadata.map(show), outputs: session.outputMetadata.map(show),
    }, null, 2) + '\n');
    return;
  }

  const { feeds, source } = buildFeeds(ort, session, o, tokens);
  const fetches = chooseOutputs(session, o);
  if (o.out && o.out.endsWith('.npy') && fetches.length !== 1) {
    throw new UsageError(`--out ${o.out}: a .npy holds one array but ${fetches.length} outputs were selected (${fetches.join(', ')}); use .npz`);
  }

  const run = async () => {
    try {
      return await session.run(feeds, fetches);
    } catch (e) {
      throw new RunError(`ONNX Runtime failed to run ${o.model}: ${e.message}`);
    }
  };

  let results = null;
  if (o.bench !== null) {
    for (let i = 0; i < o.warmup; i++) await run();
    const runs = [];
    const busy0 = machineBusyMs();
    const own0 = process.cpuUsage();
    const wall0 = performance.now();
    for (let i = 0; i < o.bench; i++) {
      const s = performance.now();
      results = await run();
      runs.push(performance.now() - s);
    }
    const wallMs = performance.now() - wall0;
    const ownCpu = process.cpuUsage(own0);
    const busy1 = machineBusyMs();
    // CPU time that other processes used during the timed runs, in cores (0 = idle machine;
    // /proc/stat has 10 ms resolution, so read it as +-0.05 for a 1 s measurement).
    // null when unavailable or when the runs took < 0.5 s (too short for 10 ms ticks)
    const foreign = busy0 === null || busy1 === null || wallMs < 500 ? null
      : Math.max(0, (busy1 - busy0) - (ownCpu.user + ownCpu.system) / 1000) / wallMs;
    const inputs = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, [...v.dims]]));
    process.stdout.write(JSON.stringify({
      tool: 'ort_run', ort_version: version, model: o.model, inputs, outputs: fetches,
      threads: o.threads, inter_op_threads: 1, graph_opt: o.graphOpt,
      session_config: Object.fromEntries(o.sessionConfig), loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
      warmup: o.warmup, repeat: o.bench, session_create_ms: round3(createMs),
      runs_ms: runs.map(round3), median_ms: round3(median(runs)),
      min_ms: round3(Math.min(...runs)), mean_ms: round3(runs.reduce((a, b) => a + b, 0) / runs.length),
      foreign_cpu_cores: foreign === null ? null : round3(foreign), ncpu: os.cpus().length,
    }) + '\n');
  } else {
    results = await run();
  }

  if (o.out) {
    for (const n of fetches) {
      const t = results[n];
      if (!t || typeof t.dims === 'undefined') throw new RunError(`output '${n}' is not a tensor; cannot write it`);
      if (t.type === 'string') throw new RunError(`output '${n}' is a string tensor; cannot write it to .npy`);
    }
    fs.mkdirSync(path.dirname(path.resolve(o.out)), { recursive: true });
    if (o.out.endsWith('.npy')) {
      const t = results[fetches[0]];
      writeNpy(o.out, t.type, [...t.dims], t.data);
    } else {
      writeNpz(o.out, Object.fromEntries(fetches.map((n) => {
        const t = results[n];
        return [n, { type: t.type, shape: [...t.dims], data: t.data }];
      })));
    }
    if (o.bench === null) {
      process.stderr.write(`ort_run: wrote ${fetches.map((n) => `${n} [${results[n].dims}]`).join(', ')} to ${o.out}\n`);
    }
  } else if (o.bench === null) {
    process.stdout.write(JSON.stringify({
      model: o.model, ort_version: version, feeds: source,
      outputs: Object.fromEntries(fetches.map((n) => [n, summarize(results[n])])),
    }, null, 2) + '\n');
  }
}

main().catch((e) => {
  if (e instanceof UsageError) {
    process.stderr.write(`ort_run: error: ${e.message}\n(see --help)\n`);
    process.exit(2);
  }
  if (e instanceof RunError || e instanceof NpyError) {
    process.stderr.write(`ort_run: error: ${e.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`ort_run: error: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
