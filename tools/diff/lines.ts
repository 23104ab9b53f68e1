/**
 * Line diff (Myers' O(ND) algorithm) and unified-diff hunks, as `diff -u` prints them. Pure functions.
 */

export type EditOp = { readonly op: 'equal' | 'delete' | 'insert'; readonly line: string };

/** Splits file content into lines; a trailing newline does not make an extra empty line. */
function splitLines(content: string): string[] {
  if (content === '') return [];
  const lines = content.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The shortest edit script turning `a` into `b`: Myers' O(ND) algorithm in its linear-space form (find the
 * middle snake of an optimal path, split there, recurse), as diff-match-patch's `diff_bisect` does. Memory
 * stays O(N + M) even when a whole file is rewritten.
 */
export function diffLines(a: readonly string[], b: readonly string[]): EditOp[] {
  const out: EditOp[] = [];
  const inB = new Set(b);
  if (!a.some((line) => inB.has(line))) {
    // Nothing in common (a rewritten or new file): the search would cost O((N + M)²) to find that out.
    for (const line of a) out.push({ op: 'delete', line });
    for (const line of b) out.push({ op: 'insert', line });
    return out;
  }
  diffRange(a, 0, a.length, b, 0, b.length, out);
  return out;
}

function diffRange(a: readonly string[], aLo: number, aHi: number, b: readonly string[], bLo: number, bHi: number, out: EditOp[]): void {
  // Common prefix and suffix first: rendered YAML changes are usually small and local.
  while (aLo < aHi && bLo < bHi && a[aLo] === b[bLo]) {
    out.push({ op: 'equal', line: a[aLo] });
    aLo++;
    bLo++;
  }
  let suffix = 0;
  while (aHi - suffix > aLo && bHi - suffix > bLo && a[aHi - suffix - 1] === b[bHi - suffix - 1]) suffix++;
  aHi -= suffix;
  bHi -= suffix;
  if (aLo === aHi) {
    for (let j = bLo; j < bHi; j++) out.push({ op: 'insert', line: b[j] });
  } else if (bLo === bHi) {
    for (let i = aLo; i < aHi; i++) out.push({ op: 'delete', line: a[i] });
  } else {
    const split = middleSnake(a, aLo, aHi, b, bLo, bHi);
    if (split === undefined) {
      for (let i = aLo; i < aHi; i++) out.push({ op: 'delete', line: a[i] });
      for (let j = bLo; j < bHi; j++) out.push({ op: 'insert', line: b[j] });
    } else {
      diffRange(a, aLo, aLo + split.x, b, bLo, bLo + split.y, out);
      diffRange(a, aLo + split.x, aHi, b, bLo + split.y, bHi, out);
    }
  }
  for (let i = 0; i < suffix; i++) out.push({ op: 'equal', line: a[aHi + i] });
}

/** A point (x, y) on an optimal edit path between the two ranges, found from both ends at once. */
function middleSnake(a: readonly string[], aLo: number, aHi: number, b: readonly string[], bLo: number, bHi: number): { x: number; y: number } | undefined {
  const n = aHi - aLo;
  const m = bHi - bLo;
  const maxD = Math.ceil((n + m) / 2);
  const offset = maxD;
  const size = 2 * maxD + 2;
  const v1 = new Int32Array(size).fill(-1);
  const v2 = new Int32Array(size).fill(-1);
  v1[offset + 1] = 0;
  v2[offset + 1] = 0;
  const delta = n - m;
  // With an odd delta the paths meet while extending forward, otherwise while extending backward.
  const front = delta % 2 !== 0;
  let k1start = 0;
  let k1end = 0;
  let k2start = 0;
  let k2end = 0;
  for (let d = 0; d < maxD; d++) {
    for (let k1 = -d + k1start; k1 <= d - k1end; k1 += 2) {
      const k1Offset = offset + k1;
      let x1 = k1 === -d || (k1 !== d && v1[k1Offset - 1] < v1[k1Offset + 1]) ? v1[k1Offset + 1] : v1[k1Offset - 1] + 1;
      let y1 = x1 - k1;
      while (x1 < n && y1 < m && a[aLo + x1] === b[bLo + y1]) {
        x1++;
        y1++;
      }
      v1[k1Offset] = x1;
      if (x1 > n) k1end += 2;
      else if (y1 > m) k1start += 2;
      else if (front) {
        const k2Offset = offset + delta - k1;
        if (k2Offset >= 0 && k2Offset < size && v2[k2Offset] !== -1 && x1 >= n - v2[k2Offset]) return { x: x1, y: y1 };
      }
    }
    for (let k2 = -d + k2start; k2 <= d - k2end; k2 += 2) {
      const k2Offset = offset + k2;
      let x2 = k2 === -d || (k2 !== d && v2[k2Offset - 1] < v2[k2Offset + 1]) ? v2[k2Offset + 1] : v2[k2Offset - 1] + 1;
      let y2 = x2 - k2;
      while (x2 < n && y2 < m && a[aLo + n - x2 - 1] === b[bLo + m - y2 - 1]) {
        x2++;
        y2++;
      }
      v2[k2Offset] = x2;
      if (x2 > n) k2end += 2;
      else if (y2 > m) k2start += 2;
      else if (!front) {
        const k1Offset = offset + delta - k2;
        if (k1Offset >= 0 && k1Offset < size && v1[k1Offset] !== -1) {
          const x1 = v1[k1Offset];
          const y1 = offset + x1 - k1Offset;
          if (x1 >= n - x2) return { x: x1, y: y1 };
        }
      }
    }
  }
  return undefined;
}

export interface Hunk {
  /** 1-based start line in the old file (0 when the range is empty) and its length. */
  readonly oldStart: number;
  readonly oldLines: number;
  readonly newStart: number;
  readonly newLines: number;
  /** Lines prefixed with ' ', '-' or '+'. */
  readonly lines: readonly string[];
}

/** Groups an edit script into unified-diff hunks with `context` unchanged lines around each change. */
function hunks(ops: readonly EditOp[], context = 3): Hunk[] {
  const changed = ops.map((o, i) => (o.op === 'equal' ? -1 : i)).filter((i) => i >= 0);
  if (changed.length === 0) return [];
  // Ranges of op indexes to show, merging changes closer than 2 × context.
  const ranges: [number, number][] = [];
  for (const i of changed) {
    const from = Math.max(0, i - context);
    const to = Math.min(ops.length - 1, i + context);
    const last = ranges[ranges.length - 1];
    if (last && from <= last[1] + 1) last[1] = Math.max(last[1], to);
    else ranges.push([from, to]);
  }
  // Line numbers before each op.
  const oldAt: number[] = [];
  const newAt: number[] = [];
  let o = 0;
  let nw = 0;
  for (const op of ops) {
    oldAt.push(o);
    newAt.push(nw);
    if (op.op !== 'insert') o++;
    if (op.op !== 'delete') nw++;
  }
  return ranges.map(([from, to]) => {
    const slice = ops.slice(from, to + 1);
    const oldLines = slice.filter((s) => s.op !== 'insert').length;
    const newLines = slice.filter((s) => s.op !== 'delete').length;
    return {
      oldStart: oldLines === 0 ? oldAt[from] : oldAt[from] + 1,
      oldLines,
      newStart: newLines === 0 ? newAt[from] : newAt[from] + 1,
      newLines,
      lines: slice.map((s) => `${s.op === 'equal' ? ' ' : s.op === 'delete' ? '-' : '+'}${s.line}`),
    };
  });
}

/** `diff -u` text of two versions of a file (empty string when equal). */
export function unifiedDiff(oldName: string, newName: string, oldContent: string, newContent: string, context = 3): string {
  const hs = hunks(diffLines(splitLines(oldContent), splitLines(newContent)), context);
  if (hs.length === 0) return '';
  const out = [`--- ${oldName}`, `+++ ${newName}`];
  for (const h of hs) {
    out.push(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines);
  }
  return `${out.join('\n')}\n`;
}
