// The page: a canvas to draw on (the same pen as the server's page, so a drawing is the same picture), the MNIST
// recipe and the model from digits.js, and window.predictDigit for other scripts on the page.
import { load, toMnist, NoDigitError, PhotoError } from './digits.js';

// White ink on black, as MNIST's digits are; the pen is 18 of 280 pixels (CanvasSample.java, the server's page).
const PEN = 18;
const canvas = document.getElementById('canvas');
const ctx = canvas.getContext('2d', { willReadFrequently: true });
const labelEl = document.getElementById('label');
const barsEl = document.getElementById('bars');
const statusEl = document.getElementById('status');
const predictBtn = document.getElementById('predict');
const clearBtn = document.getElementById('clear');
let last = null;

// How long the model took to be ready and the first answer, from the page's navigation start (ms), for a look.
const timings = { ready: null, firstAnswer: null };
window.digitTimings = timings;

const model = load().then(m => {
  timings.ready = performance.now();
  return m;
});

/**
 * 784 values 0-255 (light ink on dark, row-major, as MNIST) -> a Promise of {label, probabilities}; for any script
 * on this page.
 */
window.predictDigit = pixels => model.then(m => m.predict(pixels));
/** The page's own preprocessing of its canvas: the 784 values Predict sends to the model. */
window.canvasDigit = () => toMnist(ctx.getImageData(0, 0, canvas.width, canvas.height));

function clearCanvas() {
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.strokeStyle = '#fff';
  ctx.fillStyle = '#fff';
  ctx.lineWidth = PEN;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
}

// Page coordinates to canvas pixels: the canvas may be shown smaller than 280 on a narrow phone.
function at(clientX, clientY) {
  const r = canvas.getBoundingClientRect();
  return { x: (clientX - r.left) * canvas.width / r.width, y: (clientY - r.top) * canvas.height / r.height };
}

function down(p) {
  last = p;
  ctx.beginPath();
  ctx.arc(p.x, p.y, PEN / 2, 0, 2 * Math.PI);
  ctx.fill();
}

function move(p) {
  if (!last) return;
  ctx.beginPath();
  ctx.moveTo(last.x, last.y);
  ctx.lineTo(p.x, p.y);
  ctx.stroke();
  last = p;
}

canvas.addEventListener('pointerdown', e => {
  if (!e.isPrimary || (e.pointerType === 'mouse' && e.button !== 0)) return;
  canvas.setPointerCapture(e.pointerId);
  down(at(e.clientX, e.clientY));
  e.preventDefault();
});
canvas.addEventListener('pointermove', e => {
  if (!e.isPrimary || !last) return;
  let events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
  if (events.length === 0) events = [e];
  events.forEach(c => move(at(c.clientX, c.clientY)));
  e.preventDefault();
});
['pointerup', 'pointercancel'].forEach(type => canvas.addEventListener(type, () => { last = null; }));

function showStatus(text, isError) {
  statusEl.textContent = text;
  statusEl.className = isError ? 'error' : '';
}

function forget() {
  labelEl.textContent = '\u2013';
  barsEl.textContent = '';
}

function showPrediction(answer, ms) {
  labelEl.textContent = String(answer.label);
  const ranked = answer.probabilities.map((p, digit) => ({ digit, p })).sort((a, b) => b.p - a.p).slice(0, 3);
  barsEl.textContent = '';
  for (const r of ranked) {
    const row = document.createElement('div');
    row.className = 'row';
    row.dataset.digit = String(r.digit);
    const digit = document.createElement('span');
    digit.className = 'digit';
    digit.textContent = String(r.digit);
    const bar = document.createElement('div');
    bar.className = 'bar';
    const fill = document.createElement('span');
    fill.style.width = Math.max(0.5, r.p * 100).toFixed(1) + '%';
    bar.appendChild(fill);
    const pct = document.createElement('span');
    pct.className = 'pct';
    pct.textContent = (r.p * 100).toFixed(1) + '%';
    row.append(digit, bar, pct);
    barsEl.appendChild(row);
  }
  showStatus('Answered in ' + ms.toFixed(1) + ' ms, in this browser.', false);
}

async function predict() {
  predictBtn.disabled = true;
  const started = performance.now();
  try {
    const answer = await window.predictDigit(window.canvasDigit());
    if (timings.firstAnswer === null) timings.firstAnswer = performance.now();
    showPrediction(answer, performance.now() - started);
  } catch (e) {
    forget();
    // the server's words for the same refusals: "Cannot read the image: no ink found (blank image)"
    showStatus(e instanceof NoDigitError || e instanceof PhotoError ? 'Cannot read the image: ' + e.message
        : String(e.message || e), true);
  } finally {
    predictBtn.disabled = false;
  }
}

predictBtn.addEventListener('click', predict);
clearBtn.addEventListener('click', () => {
  clearCanvas();
  forget();
  showStatus('', false);
});
clearCanvas();

model.then(m => {
  document.getElementById('model').textContent = 'Model ' + m.info.modelSha256 + ' (its model.zip\'s SHA-256; '
      + 'model.onnx ' + m.info.onnxSha256 + '), exported ' + m.info.exported + '; runtime ' + m.info.runtime + '.';
  predictBtn.disabled = false;
  showStatus('Ready: the model runs in this browser.', false);
  document.body.dataset.ready = 'true';
}, e => {
  showStatus('Cannot load the model: ' + (e.message || e), true);
  document.body.dataset.ready = 'failed';
});
