// Minimal .npy / .npz reader and writer for the ONNX Runtime reference runner.
// .npy: format versions 1.0-3.0, little-endian, C order. .npz: zip, written stored
// (uncompressed); read stored or deflated entries.
import fs from 'node:fs';
import zlib from 'node:zlib';

// numpy descr (without byte order) <-> onnxruntime-node tensor type
const DESCR_TO_TYPE = {
  f4: 'float32', f8: 'float64', f2: 'float16',
  i8: 'int64', i4: 'int32', i2: 'int16', i1: 'int8',
  u8: 'uint64', u4: 'uint32', u2: 'uint16', u1: 'uint8',
  b1: 'bool',
};
const TYPE_TO_DESCR = {
  float32: '<f4', float64: '<f8', float16: '<f2',
  int64: '<i8', int32: '<i4', int16: '<i2', int8: '|i1',
  uint64: '<u8', uint32: '<u4', uint16: '<u2', uint8: '|u1',
  bool: '|b1',
};
const TYPE_TO_ARRAY = {
  float32: Float32Array, float64: Float64Array, float16: Uint16Array,
  int64: BigInt64Array, int32: Int32Array, int16: Int16Array, int8: Int8Array,
  uint64: BigUint64Array, uint32: Uint32Array, uint16: Uint16Array, uint8: Uint8Array,
  bool: Uint8Array,
};

export class NpyError extends Error {}

export function typedArrayFor(type) {
  const A = TYPE_TO_ARRAY[type];
  if (!A) throw new NpyError(`unsupported tensor type '${type}'`);
  return A;
}

function parseHeaderDict(text, where) {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr || !fortran || !shape) throw new NpyError(`${where}: cannot parse .npy header: ${text.trim()}`);
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw new NpyError(`${where}: bad shape in header: ${shape[1]}`);
  return { descr: descr[1], fortran: fortran[1] === 'True', shape: dims };
}

// Parses .npy bytes (a Buffer) into {type, shape, data} with data a fresh typed array.
export function parseNpy(buf, where = 'npy') {
  if (buf.length < 10 || buf.readUInt8(0) !== 0x93 || buf.toString('latin1', 1, 6) !== 'NUMPY') {
    throw new NpyError(`${where}: not a .npy file (bad magic)`);
  }
  const major = buf.readUInt8(6);
  let hlen, off;
  if (major === 1) { hlen = buf.readUInt16LE(8); off = 10; }
  else if (major === 2 || major === 3) { hlen = buf.readUInt32LE(8); off = 12; }
  else throw new NpyError(`${where}: unsupported .npy version ${major}`);
  const header = parseHeaderDict(buf.toString(major === 3 ? 'utf8' : 'latin1', off, off + hlen), where);
  const dataOff = off + hlen;
  let { descr } = header;
  const order = descr[0];
  if (order === '>' && descr.slice(1) !== 'b1' && descr.slice(1) !== 'i1' && descr.slice(1) !== 'u1') {
    throw new NpyError(`${where}: big-endian arrays (${descr}) are not supported`);
  }
  if ('<>|='.includes(order)) descr = descr.slice(1);
  const type = DESCR_TO_TYPE[descr];
  if (!type) throw new NpyError(`${where}: unsupported dtype '${header.descr}'`);
  if (header.fortran && header.shape.length > 1) {
    throw new NpyError(`${where}: Fortran-ordered arrays are not supported (save with np.ascontiguousarray)`);
  }
  const A = TYPE_TO_ARRAY[type];
  const count = header.shape.reduce((a, b) => a * b, 1);
  const nbytes = count * A.BYTES_PER_ELEMENT;
  if (buf.length - dataOff < nbytes) {
    throw new NpyError(`${where}: truncated data (${buf.length - dataOff} bytes, need ${nbytes})`);
  }
  const copy = new ArrayBuffer(nbytes);
  new Uint8Array(copy).set(buf.subarray(dataOff, dataOff + nbytes));
  return { type, shape: header.shape, data: new A(copy) };
}

export function readNpy(file) {
  return parseNpy(fs.readFileSync(file), file);
}

// Serialises {type, shape, data} (data: a typed array, or for bool an array of 0/1) to
// .npy version 1.0 bytes.
export function encodeNpy(type, shape, data) {
  const descr = TYPE_TO_DESCR[type];
  if (!descr) throw new NpyError(`cannot write tensor type '${type}' to .npy`);
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  // magic(6) + version(2) + len(2) + dict + padding + '\n' is a multiple of 64
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  dict = dict + ' '.repeat(total - 10 - dict.length - 1) + '\n';
  if (dict.length > 65535) throw new NpyError('.npy header too long');
  const head = Buffer.alloc(10);
  head.writeUInt8(0x93, 0);
  head.write('NUMPY', 1, 'latin1');
  head.writeUInt8(1, 6);
  head.writeUInt8(0, 7);
  head.writeUInt16LE(dict.length, 8);
  let body;
  if (ArrayBuffer.isView(data)) body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  else if (type === 'bool') body = Buffer.from(data.map((v) => (v ? 1 : 0)));
  else body = Buffer.from(new (TYPE_TO_ARRAY[type])(data).buffer);
  return Buffer.concat([head, Buffer.from(dict, 'latin1'), body]);
}

export function writeNpy(file, type, shape, data) {
  fs.writeFileSync(file, encodeNpy(type, shape, data));
}

// ---- zip (npz) ----

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(buf) {
  if (typeof zlib.crc32 === 'function') return zlib.crc32(buf) >>> 0;
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// Writes a stored (uncompressed) zip with entries [{name, bytes}]. numpy.load reads it
// as an .npz when every entry is NAME.npy.
export function writeZip(file, entries) {
  const chunks = [];
  const central = [];
  let offset = 0;
  for (const { name, bytes } of entries) {
    if (bytes.length >= 0xffffffff || offset >= 0xffffffff) {
      throw new NpyError(`${file}: archive larger than 4 GiB (zip64) is not supported; write fewer outputs or use .npy`);
    }
    const nameBuf = Buffer.from(name, 'utf8');
    const crc = crc32(bytes);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // flags: UTF-8 names
    local.writeUInt16LE(0, 8); // method: stored
    local.writeUInt16LE(0, 10); // time
    local.writeUInt16LE(0x21, 12); // date 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(bytes.length, 18);
    local.writeUInt32LE(bytes.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    local.writeUInt16LE(0, 28);
    const cen = Buffer.alloc(46);
    cen.writeUInt32LE(0x02014b50, 0);
    cen.writeUInt16LE(20, 4); // version made by
    cen.writeUInt16LE(20, 6);
    cen.writeUInt16LE(0x0800, 8);
    cen.writeUInt16LE(0, 10);
    cen.writeUInt16LE(0, 12);
    cen.writeUInt16LE(0x21, 14);
    cen.writeUInt32LE(crc, 16);
    cen.writeUInt32LE(bytes.length, 20);
    cen.writeUInt32LE(bytes.length, 24);
    cen.writeUInt16LE(nameBuf.length, 28);
    cen.writeUInt32LE(offset, 42);
    central.push(cen, nameBuf);
    chunks.push(local, nameBuf, bytes);
    offset += 30 + nameBuf.length + bytes.length;
  }
  const cenSize = central.reduce((a, b) => a + b.length, 0);
  if (offset + cenSize >= 0xffffffff) throw new NpyError(`${file}: archive larger than 4 GiB is not supported`);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cenSize, 12);
  end.writeUInt32LE(offset, 16);
  const fd = fs.openSync(file, 'w');
  try {
    for (const c of [...chunks, ...central, end]) fs.writeSync(fd, c);
  } finally {
    fs.closeSync(fd);
  }
}

// Writes {name: {type, shape, data}} as an .npz (stored).
export function writeNpz(file, arrays) {
  writeZip(file, Object.entries(arrays).map(([name, a]) => ({
    name: `${name}.npy`, bytes: encodeNpy(a.type, a.shape, a.data),
  })));
}

// Reads an .npz into {name: {type, shape, data}} (stored or deflated entries, no zip64).
export function readNpz(file) {
  const buf = fs.readFileSync(file);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new NpyError(`${file}: not a zip/npz file`);
  const n = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = {};
  for (let i = 0; i < n; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new NpyError(`${file}: corrupt central directory`);
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const nlen = buf.readUInt16LE(p + 28);
    const elen = buf.readUInt16LE(p + 30);
    const clen = buf.readUInt16LE(p + 32);
    const loff = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nlen);
    p += 46 + nlen + elen + clen;
    if (csize === 0xffffffff || loff === 0xffffffff) throw new NpyError(`${file}: zip64 entries are not supported`);
    const lnlen = buf.readUInt16LE(loff + 26);
    const lelen = buf.readUInt16LE(loff + 28);
    const start = loff + 30 + lnlen + lelen;
    let bytes = buf.subarray(start, start + csize);
    if (method === 8) bytes = zlib.inflateRawSync(bytes);
    else if (method !== 0) throw new NpyError(`${file}: entry ${name} uses unsupported compression ${method}`);
    const key = name.endsWith('.npy') ? name.slice(0, -4) : name;
    out[key] = parseNpy(bytes, `${file}:${name}`);
  }
  return out;
}
