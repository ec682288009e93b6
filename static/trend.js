// trend.js: hand-written canvas charts for Samples trends: a sparkline per table row and one
// larger trend with its range and time axis. About a hundred lines instead of a charting
// library (see README, "Charts"): the only drawing needed is a polyline over at most a few
// hundred points, redrawn only for the rows that changed.

function colours() {
  const cs = getComputedStyle(document.documentElement);
  return {
    line: cs.getPropertyValue('--trend').trim() || '#9fb3c8',
    grid: cs.getPropertyValue('--trend-grid').trim() || '#3a3c40',
    text: cs.getPropertyValue('--fg-dim').trim() || '#8a8e95',
  };
}

// Size the backing store to the element's CSS size times the device pixel ratio.
function prepare(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
  const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, w, h);
  return { ctx, w, h, dpr };
}

function extent(points) {
  let lo = Infinity, hi = -Infinity;
  for (const p of points) {
    if (p[1] < lo) lo = p[1];
    if (p[1] > hi) hi = p[1];
  }
  if (lo === hi) { lo -= 1; hi += 1; }
  return [lo, hi];
}

function polyline(ctx, points, x0, y0, w, h, t0, t1, lo, hi) {
  const span = Math.max(1, t1 - t0);
  ctx.beginPath();
  points.forEach((p, i) => {
    const x = x0 + ((p[0] - t0) / span) * w;
    const y = y0 + h - ((p[1] - lo) / (hi - lo)) * h;
    if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
  });
  ctx.stroke();
}

// A sparkline of [ms, value] points, oldest first.
export function sparkline(canvas, points) {
  const { ctx, w, h, dpr } = prepare(canvas);
  if (!points || points.length < 2) return;
  const c = colours();
  const [lo, hi] = extent(points);
  ctx.strokeStyle = c.line;
  ctx.lineWidth = dpr;
  polyline(ctx, points, dpr, dpr, w - 2 * dpr, h - 2 * dpr,
           points[0][0], points[points.length - 1][0], lo, hi);
}

// The larger trend: polyline, min/max labels and the time span.
export function trendChart(canvas, points, fmtTime) {
  const { ctx, w, h, dpr } = prepare(canvas);
  const c = colours();
  ctx.font = `${11 * dpr}px ui-monospace, monospace`;
  ctx.fillStyle = c.text;
  if (!points || points.length < 2) {
    ctx.fillText('collecting points…', 8 * dpr, h / 2);
    return null;
  }
  const [lo, hi] = extent(points);
  const left = 64 * dpr, bottom = 16 * dpr, top = 6 * dpr, right = 6 * dpr;
  const pw = w - left - right, ph = h - top - bottom;
  ctx.strokeStyle = c.grid;
  ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const y = Math.round(top + (ph * i) / 4) + 0.5;
    ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(w - right, y); ctx.stroke();
  }
  ctx.fillText(String(+hi.toPrecision(6)), 4 * dpr, top + 10 * dpr);
  ctx.fillText(String(+lo.toPrecision(6)), 4 * dpr, top + ph);
  const t0 = points[0][0], t1 = points[points.length - 1][0];
  ctx.fillText(fmtTime(t0), left, h - 3 * dpr);
  const end = fmtTime(t1);
  ctx.fillText(end, w - right - ctx.measureText(end).width, h - 3 * dpr);
  ctx.strokeStyle = c.line;
  ctx.lineWidth = 1.5 * dpr;
  polyline(ctx, points, left, top, pw, ph, t0, t1, lo, hi);
  return { lo, hi, t0, t1 };
}
