/**
 * Renders a TreeDiff for people: a terminal report, and the pull-request comment (Markdown, one collapsible
 * section per site, cut to fit GitHub's comment limit with a note saying what was left out).
 */
import type { HelmDiff } from './helm';
import { FileDiff, formatRef, HUB_GROUP, ObjectChanges, ObjectRef, TreeDiff } from './tree';

/** Hidden marker the comment workflow finds its previous comment by (.github/workflows/pr-comment.yaml). */
export const COMMENT_MARKER = '<!-- edge-ai-gitops:rendered-diff -->';
/** GitHub rejects issue comments longer than 65,536 characters. */
export const GITHUB_COMMENT_LIMIT = 65536;

export interface GroupSummary {
  readonly group: string;
  readonly files: readonly FileDiff[];
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
  readonly linesAdded: number;
  readonly linesRemoved: number;
}

/** Changed files grouped by site (the hub last), with totals. */
function groupFiles(diff: TreeDiff): GroupSummary[] {
  const groups = new Map<string, FileDiff[]>();
  for (const f of diff.files) groups.set(f.group, [...(groups.get(f.group) ?? []), f]);
  return [...groups].map(([group, files]) => ({
    group,
    files,
    added: sum(files, (f) => f.objects?.added.length ?? 0),
    changed: sum(files, (f) => f.objects?.changed.length ?? 0),
    removed: sum(files, (f) => f.objects?.removed.length ?? 0),
    linesAdded: sum(files, (f) => f.linesAdded),
    linesRemoved: sum(files, (f) => f.linesRemoved),
  }));
}

function sum<T>(items: readonly T[], f: (t: T) => number): number {
  return items.reduce((n, t) => n + f(t), 0);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function counts(o: { added: number; changed: number; removed: number }): string {
  return `+${o.added} ~${o.changed} -${o.removed} objects`;
}

function names(sign: string, refs: readonly ObjectRef[], max: number): string | undefined {
  if (refs.length === 0) return undefined;
  const shown = refs.slice(0, max).map(formatRef).join(', ');
  return `${sign} ${shown}${refs.length > max ? `, … ${refs.length - max} more` : ''}`;
}

/** What changed in one file, in one line: `modified: +1 ~2 -0 objects (+ Deployment inference/x; ~ …)`. */
function fileSummary(f: FileDiff, maxNames = 6): string {
  if (!f.objects) return `${f.status}: +${f.linesAdded} -${f.linesRemoved} lines`;
  const o: ObjectChanges = f.objects;
  const detail = [names('+', o.added, maxNames), names('~', o.changed, maxNames), names('-', o.removed, maxNames)].filter((x) => x !== undefined).join('; ');
  const c = counts({ added: o.added.length, changed: o.changed.length, removed: o.removed.length });
  return `${f.status}: ${c}${detail ? ` (${detail})` : ''}`;
}

function fileLabel(f: FileDiff): string {
  return f.path.slice(f.group.length + 1) || f.path;
}

function totals(groups: readonly GroupSummary[]): string {
  const files = sum(groups, (g) => g.files.length);
  const objects = { added: sum(groups, (g) => g.added), changed: sum(groups, (g) => g.changed), removed: sum(groups, (g) => g.removed) };
  const lines = `+${sum(groups, (g) => g.linesAdded)} -${sum(groups, (g) => g.linesRemoved)} lines`;
  const sites = groups.filter((g) => g.group !== HUB_GROUP).length;
  const where = [sites > 0 ? plural(sites, 'site') : '', groups.length > sites ? 'the hub' : ''].filter(Boolean).join(' and ');
  return `${plural(files, 'file')} changed in ${where}: ${counts(objects)}, ${lines}`;
}

export interface RenderOptions {
  /** What the change is compared against (a Git ref) and what it is (the working tree, a PR). */
  readonly base: string;
  readonly head: string;
  /** The manifests of changed Helm releases, rendered by helm on both sides. @default not shown */
  readonly helm?: HelmDiff;
}

function helmTotals(h: HelmDiff): string {
  const sites = new Set(h.releases.map((r) => r.group)).size;
  const objects = {
    added: sum(h.releases, (r) => r.objects?.added.length ?? 0),
    changed: sum(h.releases, (r) => r.objects?.changed.length ?? 0),
    removed: sum(h.releases, (r) => r.objects?.removed.length ?? 0),
  };
  const lines = `+${sum(h.releases, (r) => r.linesAdded)} -${sum(h.releases, (r) => r.linesRemoved)} lines`;
  return `${plural(h.releases.length, 'release')} changed at ${plural(sites, 'site')}: ${counts(objects)}, ${lines}`;
}

function helmLabel(r: HelmDiff['releases'][number]): string {
  return `${r.group}/${r.layer.replace(/^helm\//, '')}`;
}

/** The terminal section of the Helm-rendered manifests (empty when no release changed). */
export function renderHelmText(h: HelmDiff, stat = false): string {
  if (h.releases.length === 0 && h.errors.length === 0) return '';
  const out = ['', `== Helm-rendered manifests (helm template of the vendored charts): ${helmTotals(h)}`];
  const width = Math.max(0, ...h.releases.map((r) => helmLabel(r).length));
  for (const r of h.releases) out.push(`  ${helmLabel(r).padEnd(width)}  ${r.change.what}; ${fileSummary(r)}`);
  for (const e of h.errors) out.push(`  not rendered: ${e}`);
  if (!stat) for (const r of h.releases) if (r.diff !== '') out.push(r.diff.trimEnd());
  return `${out.join('\n')}\n`;
}

/** Sections at most this long are shown open in the pull-request comment; longer ones are collapsed. */
export const HELM_OPEN_MAX_CHARS = 4000;

/** The pull-request comment's Helm section within `budget` characters ('' when no release changed). */
export function renderHelmMarkdown(h: HelmDiff, budget: number): string {
  if (h.releases.length === 0 && h.errors.length === 0) return '';
  const bullets = [
    ...h.releases.map((r) => `- \`${helmLabel(r)}\` ${r.change.what}; ${fileSummary(r)}`),
    ...h.errors.map((e) => `- not rendered: ${e}`),
  ].join('\n');
  const close = '\n</details>\n';
  const summary = `<summary><b>Helm-rendered manifests</b> (helm template of the vendored charts): ${helmTotals(h)}</summary>\n\n${bullets}\n`;
  let used = summary.length + close.length + 40;
  const blocks: string[] = [];
  const omitted: FileDiff[] = [];
  for (const r of h.releases) {
    if (r.diff === '') continue;
    const block = diffBlock(r, Math.max(500, Math.floor(budget / 2)));
    if (used + block.length > budget) omitted.push(r);
    else {
      blocks.push(block);
      used += block.length;
    }
  }
  const note = omitted.length
    ? `\n> Rendered-manifest diffs of ${plural(omitted.length, 'release')} (${sum(omitted, (f) => f.linesAdded + f.linesRemoved)} changed lines) omitted for length; run \`npm run diff\` locally.\n`
    : '';
  const body = `${summary}${blocks.join('')}${note}`;
  return `\n<details${body.length <= HELM_OPEN_MAX_CHARS ? ' open' : ''}>${body}${close}`;
}

/** Terminal report: a summary line per file grouped by site, then (unless `stat`) the unified diffs. */
export function renderText(diff: TreeDiff, opts: RenderOptions & { readonly stat?: boolean }): string {
  const groups = groupFiles(diff);
  const out = [`Rendered output: ${opts.base} → ${opts.head}`];
  if (groups.length === 0) {
    out.push(`No change to the rendered output (${plural(diff.unchanged, 'file')} compared).`);
    return `${out.join('\n')}\n`;
  }
  out.push(totals(groups), '');
  const helm = opts.helm ? renderHelmText(opts.helm, opts.stat) : '';
  for (const g of groups) {
    out.push(`== ${g.group} (${plural(g.files.length, 'file')}: ${counts(g)})`);
    const width = Math.max(...g.files.map((f) => fileLabel(f).length));
    for (const f of g.files) out.push(`  ${fileLabel(f).padEnd(width)}  ${fileSummary(f)}`);
  }
  if (!opts.stat) {
    for (const g of groups) {
      out.push('', `== ${g.group}`);
      for (const f of g.files) out.push(f.diff.trimEnd());
    }
  }
  return `${out.join('\n')}\n${helm}`;
}

/** A fence longer than any backtick run in the content, so a diff can never close it early. */
function fence(content: string): string {
  const longest = Math.max(2, ...[...content.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(longest + 1);
}

function diffBlock(f: FileDiff, maxChars: number): string {
  let body = f.diff.trimEnd();
  if (body.length > maxChars) {
    const lines = body.split('\n');
    let kept = '';
    let i = 0;
    while (i < lines.length && kept.length + lines[i].length + 1 < maxChars - 80) kept += `${lines[i++]}\n`;
    body = `${kept}… ${plural(lines.length - i, 'more line')} of this file's diff omitted`;
  }
  const f3 = fence(body);
  return `\n${f3}diff\n${body}\n${f3}\n`;
}

export interface MarkdownOptions extends RenderOptions {
  /**
   * Maximum length of the comment.
   * @default 60000 (GitHub's limit is 65,536; the rest is headroom)
   */
  readonly maxChars?: number;
  /** How the reader gets the full diff, shown when something was cut. @default run `npm run diff` locally */
  readonly fullDiffHint?: string;
}

/** The pull-request comment: totals, a table per site, then one collapsible section per site with its diffs. */
export function renderMarkdown(diff: TreeDiff, opts: MarkdownOptions): string {
  const maxChars = Math.min(opts.maxChars ?? 60000, GITHUB_COMMENT_LIMIT);
  // The Helm section gets up to 40 % of the room; the rendered output's sections the rest.
  const helm = opts.helm && groupFiles(diff).length > 0 ? renderHelmMarkdown(opts.helm, Math.floor(maxChars * 0.4)) : '';
  return `${renderOutputMarkdown(diff, { ...opts, maxChars: maxChars - helm.length })}${helm}`;
}

function renderOutputMarkdown(diff: TreeDiff, opts: MarkdownOptions): string {
  const maxChars = Math.min(opts.maxChars ?? 60000, GITHUB_COMMENT_LIMIT);
  const hint = opts.fullDiffHint ?? `run \`npm run diff -- --base ${opts.base}\` locally`;
  const groups = groupFiles(diff);
  const head = [COMMENT_MARKER, `### Rendered manifests: \`${opts.base}\` → ${opts.head}`, ''];
  if (groups.length === 0) {
    head.push(`No change to the rendered output (${plural(diff.unchanged, 'file')} compared).`);
    return `${head.join('\n')}\n`;
  }
  head.push(`**${totals(groups)}**`, '');
  // Room kept for the truncation note.
  const budget = maxChars - 700;
  const table = ['| Site | Files | Objects | Lines |', '|---|---|---|---|'];
  let omittedRows = 0;
  let used = head.join('\n').length + table.join('\n').length;
  for (const g of groups) {
    const row = `| ${g.group} | ${g.files.length} | ${counts(g)} | +${g.linesAdded} -${g.linesRemoved} |`;
    if (used + row.length + 1 > budget / 3) omittedRows++;
    else {
      table.push(row);
      used += row.length + 1;
    }
  }
  if (omittedRows > 0) table.push(`| … ${plural(omittedRows, 'more site')} | | | |`);

  // Sections without diffs first (every changed file is named while room lasts), then diffs in order.
  interface Section {
    readonly group: GroupSummary;
    readonly open: string;
    readonly close: string;
    readonly diffs: Map<FileDiff, string>;
  }
  const sections: Section[] = [];
  let omittedGroups = 0;
  for (const g of groups) {
    const bullets = g.files.map((f) => `- \`${fileLabel(f)}\` ${fileSummary(f)}`).join('\n');
    const open = `\n<details><summary><b>${g.group}</b>: ${plural(g.files.length, 'file')}, ${counts(g)}</summary>\n\n${bullets}\n`;
    const close = '\n</details>\n';
    if (omittedGroups > 0 || used + open.length + close.length > budget) {
      omittedGroups++;
      continue;
    }
    sections.push({ group: g, open, close, diffs: new Map() });
    used += open.length + close.length;
  }
  const omittedDiffs: FileDiff[] = [];
  for (const s of sections) {
    for (const f of s.group.files) {
      const block = diffBlock(f, Math.floor(budget / 4));
      if (used + block.length > budget) omittedDiffs.push(f);
      else {
        s.diffs.set(f, block);
        used += block.length;
      }
    }
  }
  const body = sections.map((s) => `${s.open}${s.group.files.map((f) => s.diffs.get(f) ?? '').join('')}${s.close}`).join('');
  const notes: string[] = [];
  if (omittedGroups > 0) notes.push(`${plural(omittedGroups, 'site')} not listed`);
  if (omittedDiffs.length > 0) {
    notes.push(`diffs of ${plural(omittedDiffs.length, 'file')} (${sum(omittedDiffs, (f) => f.linesAdded + f.linesRemoved)} changed lines) omitted`);
  }
  const note = notes.length ? `\n> **Truncated** to stay under GitHub's ${GITHUB_COMMENT_LIMIT.toLocaleString('en-US')}-character comment limit: ${notes.join('; ')}. For the full diff, ${hint}.\n` : '';
  return `${head.join('\n')}\n${table.join('\n')}\n${body}${note}`;
}
