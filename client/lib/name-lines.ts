/** A team's name fitted to lines beside (or over) its marker, and the box that shows it whole on hover or focus. */
import { cutMiddle } from './layout.ts';
import type { Measure } from './riskLabels.ts';
import { GLYPH, wordsOf } from './text.ts';

export interface NameLines {
  lines: string[];
  /** Nothing was cut: the lines read as the whole name. */
  whole: boolean;
}

/** Ends a line where a word was broken: drawn as a hyphen, left out when lines are joined again. */
const BREAK = '\u00ad';
/** The fewest letters of a broken word on either side of the break. */
const PIECE = 3;

/**
 * Greedy word wrap to lines of at most `width` characters, breaking a word longer than a line (a name
 * written without spaces) after as many letters as the line has room for.
 */
function fill(words: string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  const joined = (word: string) => (line ? (line.endsWith('-') ? line + word : `${line} ${word}`) : word);
  for (let word of words) {
    if (joined(word).length <= width) {
      line = joined(word);
      continue;
    }
    if (word.length <= width) {
      lines.push(line);
      line = word;
      continue;
    }
    // Too long for any line: as much of it as fits here (if that is a few letters), the rest on lines of its own.
    const room = width - (line ? line.length + 1 : 0) - 1;
    if (room >= PIECE && word.length - room >= PIECE) {
      lines.push(joined(word.slice(0, room)) + BREAK);
      word = word.slice(room);
    } else if (line) lines.push(line);
    line = '';
    while (word.length > width) {
      const cut = Math.min(width - 1, word.length - PIECE);
      lines.push(word.slice(0, cut) + BREAK);
      word = word.slice(cut);
    }
    line = word;
  }
  if (line) lines.push(line);
  return lines;
}

/** Lines joined back into the text they came from. */
function join(lines: string[]): string {
  return lines.reduce(
    (text, l) => (!text ? l : text.endsWith(BREAK) ? text.slice(0, -1) + l : text.endsWith('-') ? text + l : `${text} ${l}`),
    '',
  );
}

const shown = (lines: string[]) => lines.map((l) => (l.endsWith(BREAK) ? l.slice(0, -1) + '-' : l));

/**
 * A name on at most `maxLines` lines of about `chars` characters. Words wrap; a word longer than a
 * line ("Zahlungsverkehrsplattformbetrieb") is broken with a hyphen, the lines evened out so it is not
 * "…spla-" / "ttform…". What still does not fit is cut in the middle of the last line (`lastChars` long:
 * less when a flag follows it), keeping the end that tells "…betrieb" from "…betriebsteam"; with
 * `cut` false the last line keeps the rest whole instead.
 */
export function nameLines(name: string, chars: number, maxLines = 2, lastChars = chars, cut = true): NameLines {
  if (maxLines <= 1) {
    const line = cut ? cutMiddle(name, lastChars) : name;
    return { lines: [line], whole: line === name };
  }
  const words = wordsOf(name);
  const lines = fill(words, chars);
  const fits = (ls: string[]) => ls.length <= maxLines && ls[ls.length - 1]!.length <= lastChars;
  if (fits(lines)) {
    if (!lines.some((l) => l.endsWith(BREAK))) return { lines, whole: true };
    // A broken word: the narrowest lines that still take as few of them, so the break falls near the word's middle.
    let even = lines;
    for (let w = chars - 1; w > PIECE * 2; w--) {
      const next = fill(words, w);
      if (next.length > lines.length || !fits(next)) break;
      even = next;
    }
    return { lines: shown(even), whole: true };
  }
  const head = lines.slice(0, maxLines - 1);
  const rest = join(lines.slice(maxLines - 1));
  const last = cut ? cutMiddle(rest, lastChars) : rest;
  return { lines: [...shown(head), last], whole: last === rest };
}

/** How many characters of `text` fit `width` px at `size`, by the text's own average letter (a W is wider than an i). */
export function charsIn(text: string, width: number, size: number, measure?: Measure): number {
  const glyph = measure && text ? measure(text, size) / text.length : size * GLYPH;
  return Math.max(4, Math.floor(width / glyph));
}

/**
 * Widths of text in the page's font at a weight, measured on a canvas: the average-glyph estimate was
 * a sixth short of a bold sans on Linux, and names fitted by it ran past their room. Cached, since a
 * drag re-lays every lane.
 */
export function textMeasure(weight: number): Measure {
  const ctx = typeof document === 'undefined' ? null : document.createElement('canvas').getContext('2d');
  const estimate: Measure = (text, size) => text.length * size * GLYPH * 1.12;
  if (!ctx) return estimate;
  const family = getComputedStyle(document.body).fontFamily;
  const cache = new Map<string, number>();
  return (text, size) => {
    const key = `${size}|${text}`;
    let w = cache.get(key);
    if (w === undefined) {
      ctx.font = `${weight} ${size}px ${family}`;
      w = ctx.measureText(text).width;
      if (cache.size > 2000) cache.clear();
      cache.set(key, w);
    }
    return w;
  };
}

/** A box that shows a cut name whole, drawn over the map while its team is pointed at or focused. */
export interface NameTip {
  /** Box, in the map's units. */
  x: number;
  y: number;
  w: number;
  h: number;
  lines: string[];
  size: number;
  /** Where the first line's baseline is, and how far apart the lines are. */
  baseline: number;
  leading: number;
  pad: number;
}

/**
 * Where a whole name goes: its text starting at `x` (or ending there, `anchor` end), the box centred on
 * `y` (or, `above`, with its bottom at `y`, and under `below` when there is no room above), inside
 * `bounds`. Lines wrap to the bounds' width, so a 60-letter name fits a phone.
 */
export function nameTip(opts: {
  name: string;
  size: number;
  measure: Measure;
  x: number;
  y: number;
  anchor?: 'start' | 'end';
  above?: { below: number };
  bounds: { width: number; height: number };
}): NameTip {
  const { name, size, measure, bounds } = opts;
  const pad = Math.round(size * 0.45);
  const leading = size * 1.2;
  const room = bounds.width - 4 - 2 * pad;
  const { lines } = nameLines(name, charsIn(name, room, size, measure), Infinity);
  const w = Math.min(bounds.width - 4, Math.max(...lines.map((l) => measure(l, size))) + 2 * pad);
  const h = lines.length * leading + pad;
  const left = opts.anchor === 'end' ? opts.x + pad - w : opts.x - pad;
  const x = Math.max(2, Math.min(bounds.width - 2 - w, left));
  let y = opts.above ? opts.y - h : opts.y - h / 2;
  if (opts.above && y < 2) y = opts.above.below;
  y = Math.max(2, Math.min(bounds.height - 2 - h, y));
  return { x, y, w, h, lines, size, baseline: y + pad / 2 + size * 0.95, leading, pad };
}
