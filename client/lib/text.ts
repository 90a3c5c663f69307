/** Text fitting for SVG labels, without measuring the DOM (d3 computes, Svelte renders). */

/** Average glyph width as a share of the font size, for wrapping SVG text without measuring it. */
export const GLYPH = 0.56;

/** Words, with hyphenated compounds split after their hyphens ("Agent-" "orchestrated"), so narrow bands can break them. */
export const wordsOf = (text: string): string[] =>
  text
    .split(/\s+/)
    .filter(Boolean)
    .flatMap((w) => w.split(/(?<=-)(?=.)/));

/** Greedy word wrap into at most `maxLines` lines of about `maxChars`; the last line keeps the rest. */
export function wrapLabel(text: string, maxChars: number, maxLines = 3): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of wordsOf(text)) {
    // A part that follows a hyphen joins without a space.
    const next = line ? (line.endsWith('-') ? line + word : line + ' ' + word) : word;
    if (line && next.length > maxChars && lines.length < maxLines - 1) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/** Shortens text to `max` characters with an ellipsis; the full text goes in a <title>. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, Math.max(1, max - 1)).trimEnd() + '…';
}

/** How many characters of a font size fit in a width, by the average glyph width. */
export const charsFor = (width: number, fontSize: number) => Math.max(4, Math.floor(width / (fontSize * GLYPH)));

/**
 * Names joined with commas in at most `chars` characters: as many whole names
 * as fit, then "and N more" (never a name cut in half).
 */
export function nameList(names: readonly string[], chars: number): string {
  for (let shown = names.length; shown > 0; shown--) {
    const rest = names.length - shown;
    const text = names.slice(0, shown).join(', ') + (rest ? ` and ${rest} more` : '');
    if (text.length <= chars) return text;
  }
  return `${names.length} ${names.length === 1 ? 'team' : 'teams'}`;
}
