// The model in the browser: the MNIST recipe (a copy of model/image/ImagePreprocessor.java, float for float) and
// the model's ONNX export (model.onnx, beside this file) under onnxruntime-web's WebAssembly backend (ort/, beside
// this file). No network beyond this folder. Used by the page (page.js) and by any page or script that imports it:
//
//   import { load, toMnist } from './digits.js';
//   const model = await load();                       // fetches model.json, model.onnx and the runtime's .wasm
//   const answer = await model.predict(pixels);       // 784 values 0-255, light ink on dark, row-major
//   // answer = { label: 7, probabilities: [10 numbers] }
//   const grid = toMnist(ctx.getImageData(0, 0, w, h)); // a drawing (any size and colours) as MNIST's 784 bytes
import * as ort from './ort/ort.wasm.bundle.min.js';

/** MNIST's side, and 784 pixels a digit. */
export const SIDE = 28;
export const PIXELS = SIDE * SIDE;

// ---- The MNIST recipe: ImagePreprocessor.toMnist for an image that is a drawing (clean), in Java's float arithmetic.
// Java computes in 32-bit floats; every float operation here is rounded with Math.fround, which gives the same
// result bit for bit (a float operation done in double and rounded once is exact for +, -, *, /).
const f = Math.fround;
const BOX = 20;
const MIN_INK = 30;
const INK_FRACTION = f(0.2);
const FLAT = 10;
const R = f(0.299);
const G = f(0.587);
const B = f(0.114);
const MAX_SIDE = 4096;

/** The image has no ink (message as the server's). */
export class NoDigitError extends Error {
  constructor(message) {
    super(message);
    this.name = 'NoDigitError';
  }
}

/** The image is not a clean drawing (a photo or a scan): the server reads those, the browser does not. */
export class PhotoError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PhotoError';
  }
}

/**
 * A drawing as an MNIST digit: 784 values 0-255 (Uint8Array), light ink on black, row-major, exactly as the
 * server's ImagePreprocessor.toMnist gives it for the same pixels (the canvas's PNG). {@code image} is an ImageData
 * or anything with {data (RGBA bytes), width, height}.
 */
export function toMnist(image) {
  const w = image.width;
  const h = image.height;
  if (!(w > 0 && h > 0)) throw new RangeError('Cannot read the image: empty image (' + w + 'x' + h + ' pixels)');
  if (w > MAX_SIDE || h > MAX_SIDE) {
    throw new RangeError('Cannot read the image: image is ' + w + 'x' + h + ' pixels, larger than the ' + MAX_SIDE
        + 'x' + MAX_SIDE + ' limit');
  }
  const ink = inkOf(image.data, w, h);

  let max = 0;
  for (let i = 0; i < ink.length; i++) max = Math.max(max, ink[i]);
  if (max <= MIN_INK) throw new NoDigitError('no ink found (blank image)');
  const threshold = Math.max(MIN_INK, f(INK_FRACTION * max));
  let left = w;
  let top = h;
  let right = -1;
  let bottom = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (ink[y * w + x] > threshold) {
        left = Math.min(left, x);
        right = Math.max(right, x);
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
      }
    }
  }
  const bw = right - left + 1;
  const bh = bottom - top + 1;
  const crop = new Float32Array(bw * bh);
  for (let y = 0; y < bh; y++) crop.set(ink.subarray((top + y) * w + left, (top + y) * w + left + bw), y * bw);

  // the longer side 20 pixels, the aspect ratio kept (double arithmetic, as Java's)
  const scale = BOX / Math.max(bw, bh);
  const nw = Math.max(1, Math.min(BOX, Math.round(bw * scale)));
  const nh = Math.max(1, Math.min(BOX, Math.round(bh * scale)));
  const small = resize(crop, bw, bh, nw, nh);
  let smallMax = 0;
  for (let i = 0; i < small.length; i++) smallMax = Math.max(smallMax, small[i]);
  const gain = f(255 / smallMax);
  for (let i = 0; i < small.length; i++) small[i] = f(small[i] * gain);

  // the centre of mass at the centre, by whole pixels (sums in double, x * v in float, as Java's)
  let sum = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < nh; y++) {
    for (let x = 0; x < nw; x++) {
      const v = small[y * nw + x];
      sum += v;
      sx += f(x * v);
      sy += f(y * v);
    }
  }
  const centre = (SIDE - 1) / 2;
  const ox = clamp(Math.round(centre - sx / sum), 0, SIDE - nw);
  const oy = clamp(Math.round(centre - sy / sum), 0, SIDE - nh);

  const out = new Uint8Array(PIXELS);
  for (let y = 0; y < nh; y++) {
    for (let x = 0; x < nw; x++) out[(oy + y) * SIDE + ox + x] = clamp(Math.round(small[y * nw + x]), 0, 255);
  }
  return out;
}

/** Ink per pixel, 0-255 with the background at 0 (ImagePreprocessor.ink for an RGBA image). */
function inkOf(rgba, w, h) {
  const n = w * h;
  const lum = new Float32Array(n);
  const alpha = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const k = 4 * i;
    // Rec. 601 luma, in Java's order of float operations
    lum[i] = f(f(f(R * rgba[k]) + f(G * rgba[k + 1])) + f(B * rgba[k + 2]));
    alpha[i] = rgba[k + 3];
  }
  let ink = lum;
  let drawing = false;
  if (median(border(alpha, w, h)) < 128) {
    // strokes on a transparent canvas: whatever is opaque is ink, in any colour
    ink = alpha;
    drawing = true;
  } else {
    const paper = opaqueBorderLuminance(lum, alpha, w, h);
    for (let i = 0; i < n; i++) {
      const a = f(alpha[i] / 255);
      lum[i] = f(f(lum[i] * a) + f(paper * f(1 - a)));
    }
  }
  let back = median(border(ink, w, h));
  if (back > 127.5) {
    back = f(255 - back);
    for (let i = 0; i < n; i++) ink[i] = 255 - ink[i];
  }
  if (!drawing && !isClean(ink, w, h, back, MIN_INK)) {
    throw new PhotoError('this looks like a photo or a scan, not a drawing: photos are read by the server only '
        + '(bin/serve), whose page cleans the paper first');
  }
  for (let i = 0; i < n; i++) ink[i] = Math.max(0, f(ink[i] - back));
  return ink;
}

/** PageCleaner.isClean: apart from the ink and its anti-aliased edge, every pixel is within FLAT of the background. */
function isClean(darkness, w, h, back, minInk) {
  let sideInk = 0;
  for (const v of border(darkness, w, h)) if (f(v - back) > minInk) sideInk++;
  if (sideInk > 0.05 * (2 * w + 2 * h)) return false;
  let max = 0;
  for (let i = 0; i < darkness.length; i++) max = Math.max(max, f(darkness[i] - back));
  const faint = Math.max(minInk, f(0.25 * max));
  let ink = 0;
  let murky = 0;
  for (let i = 0; i < darkness.length; i++) {
    const d = f(darkness[i] - back);
    if (d > faint) ink++;
    else if (Math.abs(d) > FLAT) murky++;
  }
  return murky <= 0.5 * ink + 0.001 * darkness.length;
}

/** The outermost rows and columns. */
function border(values, w, h) {
  if (w <= 2 || h <= 2) return Float32Array.from(values);
  const out = new Float32Array(2 * w + 2 * (h - 2));
  let k = 0;
  for (let x = 0; x < w; x++) {
    out[k++] = values[x];
    out[k++] = values[(h - 1) * w + x];
  }
  for (let y = 1; y < h - 1; y++) {
    out[k++] = values[y * w];
    out[k++] = values[y * w + w - 1];
  }
  return out;
}

function opaqueBorderLuminance(lum, alpha, w, h) {
  const l = border(lum, w, h);
  const a = border(alpha, w, h);
  let n = 0;
  for (let i = 0; i < l.length; i++) if (a[i] >= 128) l[n++] = l[i];
  return n === 0 ? 255 : median(l.subarray(0, n));
}

/** Sorts in place (a Float32Array sorts numerically) and returns the median, in float. */
function median(values) {
  values.sort();
  const n = values.length;
  return n % 2 === 1 ? values[n >> 1] : f(f(values[n / 2 - 1] + values[n / 2]) / 2);
}

/** Separable resampling: area averaging when shrinking, bilinear when enlarging (ImagePreprocessor.resize). */
function resize(src, sw, sh, dw, dh) {
  const tx = taps(sw, dw);
  const ty = taps(sh, dh);
  const rows = new Float32Array(dw * sh);
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < dw; x++) {
      const index = tx.index[x];
      const weight = tx.weight[x];
      let sum = 0;
      for (let t = 0; t < index.length; t++) sum = f(sum + f(src[y * sw + index[t]] * weight[t]));
      rows[y * dw + x] = sum;
    }
  }
  const out = new Float32Array(dw * dh);
  for (let y = 0; y < dh; y++) {
    const index = ty.index[y];
    const weight = ty.weight[y];
    for (let x = 0; x < dw; x++) {
      let sum = 0;
      for (let t = 0; t < index.length; t++) sum = f(sum + f(rows[index[t] * dw + x] * weight[t]));
      out[y * dw + x] = sum;
    }
  }
  return out;
}

/** For each output position along an axis, the source positions it draws on and their float weights. */
function taps(size, out) {
  const index = [];
  const weight = [];
  const ratio = size / out;
  for (let o = 0; o < out; o++) {
    if (ratio >= 1) {
      const from = o * ratio;
      const to = Math.min(size, (o + 1) * ratio);
      const first = Math.floor(from);
      const last = Math.min(size, Math.ceil(to));
      const n = Math.max(1, last - first);
      const ix = new Int32Array(n);
      const wt = new Float32Array(n);
      for (let t = 0; t < n; t++) {
        const i = Math.min(size - 1, first + t);
        ix[t] = i;
        wt[t] = (Math.min(to, i + 1) - Math.max(from, i)) / ratio;
      }
      index.push(ix);
      weight.push(wt);
    } else {
      const x = (o + 0.5) * ratio - 0.5;
      const i = Math.floor(x);
      const fr = f(x - i);
      index.push(Int32Array.of(clamp(i, 0, size - 1), clamp(i + 1, 0, size - 1)));
      weight.push(Float32Array.of(f(1 - fr), fr));
    }
  }
  return { index, weight };
}

function clamp(v, lo, hi) {
  return Math.max(lo, Math.min(hi, v));
}

// ---- The model

/**
 * The network's input for {@code n} digits: [n, 1, 28, 28] floats, each pixel divided by 255 (model/data/Digits,
 * as scoring and the server feed ONNX Runtime).
 */
function inputOf(pixels, n) {
  const x = new Float32Array(n * PIXELS);
  for (let i = 0; i < n * PIXELS; i++) x[i] = pixels[i] / 255;
  return new ort.Tensor('float32', x, [n, 1, SIDE, SIDE]);
}

function checkPixels(pixels) {
  if (pixels == null || typeof pixels.length !== 'number' || pixels.length !== PIXELS) {
    throw new TypeError('Cannot predict: expected ' + PIXELS + ' pixel values (28x28, row-major), got '
        + (pixels == null ? pixels : pixels.length + ' values'));
  }
  for (let i = 0; i < PIXELS; i++) {
    const v = pixels[i];
    if (!(v >= 0 && v <= 255)) {
      throw new RangeError('Cannot predict: pixel ' + i + ' is ' + v + ', expected 0-255 (light ink on dark)');
    }
  }
}

/** The most probable label: the first of the highest, as the server's. */
function top(p) {
  let best = 0;
  for (let k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
  return best;
}

/**
 * Loads the model beside this module (model.json, model.onnx) into onnxruntime-web, on one thread (a static host
 * rarely sends the cross-origin isolation headers that threads need, and a 28x28 digit gains nothing from them).
 * Resolves to {info, predict(pixels), predictBatch(list)}.
 */
export async function load(base = new URL('.', import.meta.url)) {
  // the .wasm beside this module; the bundle carries its JavaScript glue itself (a prefix would make it fetch that too)
  ort.env.wasm.wasmPaths = { wasm: new URL('ort/ort-wasm-simd-threaded.wasm', import.meta.url).href };
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  const info = await fetchOk(new URL('model.json', base)).then(r => r.json());
  const bytes = new Uint8Array(await fetchOk(new URL('model.onnx', base)).then(r => r.arrayBuffer()));
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const input = session.inputNames[0];
  const output = session.outputNames[0];
  // one run at a time: the WebAssembly backend does not run a session twice at once
  let queue = Promise.resolve();
  async function run(pixels, n) {
    const result = await session.run({ [input]: inputOf(pixels, n) });
    return result[output].data;
  }
  function enqueue(task) {
    const next = queue.then(task, task);
    queue = next.catch(() => {});
    return next;
  }
  return {
    info,
    /** One digit: 784 values 0-255, light ink on dark; a Promise of {label, probabilities}. */
    predict(pixels) {
      checkPixels(pixels);
      return enqueue(async () => {
        const p = Array.from(await run(pixels, 1));
        return { label: top(p), probabilities: p };
      });
    },
    /** Many digits in one run; a Promise of [{label, probabilities}]. */
    predictBatch(list) {
      list.forEach(checkPixels);
      return enqueue(async () => {
        const flat = new Uint8Array(list.length * PIXELS);
        list.forEach((pixels, i) => flat.set(pixels, i * PIXELS));
        const data = await run(flat, list.length);
        const answers = [];
        for (let i = 0; i < list.length; i++) {
          const p = Array.from(data.subarray(i * 10, i * 10 + 10));
          answers.push({ label: top(p), probabilities: p });
        }
        return answers;
      });
    },
  };
}

async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error('Cannot load ' + url + ': HTTP ' + response.status);
  return response;
}
