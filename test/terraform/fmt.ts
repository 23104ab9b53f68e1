/**
 * The two layout rules of `terraform fmt` that hand-written HCL most often breaks, re-implemented after
 * hclwrite's formatIndent/formatCells (github.com/hashicorp/hcl, hclwrite/format.go), so that the suite
 * catches them without a Terraform binary. CI's `terraform fmt -check -recursive` stays the authority.
 *
 * 1. Indentation: two spaces per line that opened brackets on a previous line and has not closed them;
 *    a line with a net increase of brackets indents the following lines by ONE level however many it opened.
 * 2. Alignment: in a run of consecutive lines that each assign a single-line value (`name = value`), the `=`
 *    signs line up one space after the longest name. A line whose value opens a multi-line bracket, a blank
 *    line, a comment line or a closing bracket ends the run.
 */

export interface FmtIssue {
  readonly line: number;
  readonly message: string;
}

interface Scanned {
  /** Net bracket change of the whole line. */
  readonly net: number;
  /** Column of the `=` of a single-line attribute assignment, if any (lead = text before it). */
  readonly assign?: { readonly lead: string; readonly spacesBefore: number; readonly spacesAfter: number };
}

/** Scans one line outside heredocs: brackets and the first top-level `=` (not `==`, `=>`, `!=`, `<=`, `>=`). */
function scan(line: string): Scanned {
  let net = 0;
  let depth = 0;
  let assignAt = -1;
  let assignNetAfter = 0;
  const stack: string[] = []; // '"' for a quoted string, '{' for an interpolation inside one
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    const inString = stack[stack.length - 1] === '"';
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') stack.pop();
      else if ((c === '$' || c === '%') && line[i + 1] === '{' && line[i - 1] !== c) {
        stack.push('{');
        net++;
        if (assignAt >= 0) assignNetAfter++;
        i++;
      }
      continue;
    }
    if (c === '#' || (c === '/' && line[i + 1] === '/')) break;
    if (c === '"') {
      stack.push('"');
      continue;
    }
    if (c === '{' || c === '[' || c === '(') {
      if (stack.length) stack.push('{');
      net++;
      depth++;
      if (assignAt >= 0) assignNetAfter++;
    } else if (c === '}' || c === ']' || c === ')') {
      if (stack.length && stack[stack.length - 1] === '{') stack.pop();
      net--;
      depth--;
      if (assignAt >= 0) assignNetAfter--;
    } else if (c === '=' && assignAt < 0 && depth === 0 && stack.length === 0) {
      const prev = line[i - 1];
      const next = line[i + 1];
      if (next !== '=' && next !== '>' && prev !== '=' && prev !== '!' && prev !== '<' && prev !== '>') assignAt = i;
    }
  }
  if (assignAt <= 0 || assignNetAfter !== 0) return { net };
  const before = line.slice(0, assignAt);
  const lead = before.replace(/\s+$/, '');
  const after = line.slice(assignAt + 1);
  return { net, assign: { lead, spacesBefore: before.length - lead.length, spacesAfter: after.length - after.replace(/^ +/, '').length } };
}

export function fmtIssues(text: string): FmtIssue[] {
  const issues: FmtIssue[] = [];
  const lines = text.split('\n');
  const indents: number[] = [];
  let heredoc: string | undefined;
  let chain: { line: number; lead: string; spacesBefore: number; spacesAfter: number }[] = [];
  const closeChain = () => {
    const width = Math.max(...chain.map((c) => c.lead.length));
    for (const c of chain) {
      const want = width - c.lead.length + 1;
      if (c.spacesBefore !== want) issues.push({ line: c.line, message: `"=" should be preceded by ${want} space(s) to align with its neighbours, found ${c.spacesBefore}` });
      if (c.spacesAfter !== 1) issues.push({ line: c.line, message: `"=" should be followed by exactly one space, found ${c.spacesAfter}` });
    }
    chain = [];
  };
  lines.forEach((raw, index) => {
    const n = index + 1;
    if (heredoc !== undefined) {
      if (raw.trim() === heredoc) heredoc = undefined;
      return;
    }
    if (/\s$/.test(raw)) issues.push({ line: n, message: 'trailing whitespace' });
    if (raw.includes('\t')) issues.push({ line: n, message: 'tab character (terraform fmt indents with spaces)' });
    const content = raw.trim();
    const marker = /<<-?([A-Z_]+)\s*$/.exec(content);
    if (content === '') {
      if (chain.length) closeChain();
      return;
    }
    const { net, assign } = scan(raw);
    let level: number;
    if (net > 0) {
      level = indents.length;
      indents.push(net);
    } else if (net < 0) {
      let closed = -net;
      while (closed > 0 && indents.length > 0) {
        const top = indents[indents.length - 1];
        if (closed >= top) {
          closed -= top;
          indents.pop();
        } else {
          indents[indents.length - 1] = top - closed;
          closed = 0;
        }
      }
      level = indents.length;
    } else {
      level = indents.length;
    }
    const actual = raw.length - raw.replace(/^ +/, '').length;
    if (actual !== level * 2) issues.push({ line: n, message: `indent should be ${level * 2} spaces, found ${actual}` });
    if (assign && !content.startsWith('#') && !content.startsWith('//')) chain.push({ line: n, ...assign, lead: assign.lead.trim() ? `${' '.repeat(level * 2)}${assign.lead.trim()}` : assign.lead });
    else if (chain.length) closeChain();
    if (marker) heredoc = marker[1];
  });
  if (chain.length) closeChain();
  if (!text.endsWith('\n') || text.endsWith('\n\n')) issues.push({ line: lines.length, message: 'file must end with exactly one newline' });
  return issues;
}
