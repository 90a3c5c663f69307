/**
 * Files the facilitator takes home, made in the browser: the maps exactly as
 * shown (SVG with its styles inlined, PNG through a canvas) and the server's
 * exports fetched with the facilitator key (a plain link could not send it).
 */

/** Presentation properties copied from the page's CSS onto each element, so the file looks as shown. */
const STYLE_PROPS = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-dasharray',
  'stroke-linecap',
  'stroke-linejoin',
  'stroke-opacity',
  'opacity',
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'letter-spacing',
  'text-anchor',
  'dominant-baseline',
  'paint-order',
  'stop-color',
  'stop-opacity',
  'visibility',
  'display',
] as const;

/**
 * Serialises a map's SVG with computed styles inlined (CSS variables and
 * scoped classes resolved). XMLSerializer escapes every text node and
 * attribute, so a team named `</svg><script>` stays text in the file.
 */
export function svgToString(svg: SVGSVGElement): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const from = [svg, ...svg.querySelectorAll('*')];
  const to = [clone, ...clone.querySelectorAll('*')];
  from.forEach((el, i) => {
    const target = to[i] as SVGElement | undefined;
    if (!target) return;
    const cs = getComputedStyle(el);
    const style = STYLE_PROPS.map((p) => `${p}:${cs.getPropertyValue(p)}`).join(';');
    target.setAttribute('style', style);
    // Interaction-only attributes mean nothing in a file.
    for (const a of ['tabindex', 'class']) target.removeAttribute(a);
  });
  const [, , w, h] = (svg.getAttribute('viewBox') ?? `0 0 ${svg.clientWidth} ${svg.clientHeight}`).split(/\s+/).map(Number);
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(w));
  clone.setAttribute('height', String(h));
  clone.removeAttribute('role');
  // A background of the page's surface colour, so the file reads the same on any viewer.
  const bg = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', getComputedStyle(svg.closest('section') ?? document.body).backgroundColor || '#ffffff');
  clone.insertBefore(bg, clone.firstChild);
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(clone);
}

/** Renders the serialised SVG onto a canvas at twice its size. */
export async function svgToPng(svg: SVGSVGElement, scale = 2): Promise<Blob> {
  const text = svgToString(svg);
  const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.decoding = 'sync';
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('the map could not be drawn as an image'));
      img.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = Math.ceil(img.naturalWidth * scale);
    canvas.height = Math.ceil(img.naturalHeight * scale);
    const ctx = canvas.getContext('2d')!;
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}

export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  // The download has its own reference by now; free ours after the click is handled.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** GETs one of the server's exports with the facilitator key. */
export async function fetchExportFile(workshopId: string, token: string, path: '' | '/teams.csv' | '/votes.csv'): Promise<Blob> {
  let res: Response;
  try {
    res = await fetch(`/api/workshops/${encodeURIComponent(workshopId)}/export${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
  } catch {
    // The browser's own words ("Failed to fetch") say nothing to a facilitator.
    throw new Error('Cannot reach the server. Check your connection and try again.');
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    if (res.status >= 500 || !body.error)
      throw new Error(`The server could not make the file (error ${res.status}). Try again in a moment.`);
    throw new Error(body.error);
  }
  return res.blob();
}

/** "2025-01-15-leadership-offsite": safe in any file system. */
export function fileStem(title: string, at: number): string {
  const slug =
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'workshop';
  return `${new Date(at || Date.now()).toISOString().slice(0, 10)}-${slug}`;
}

/** "1:05:09" or "5:09", for a session clock. */
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
