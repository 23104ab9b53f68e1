/**
 * Loads the custom-model Modelfiles once per run, at catalogue-loading time (lib/model/catalog.ts): the Ollama chart
 * never reads files, it receives the parsed Modelfiles in `Catalog.modelfiles`.
 *
 * Every `models/ollama/<name>.Modelfile` is parsed and validated even if no site uses it yet, so a broken
 * Modelfile fails the synth (and CI) the moment it is committed, with its file and line.
 */
import { existsSync, readdirSync, readFileSync, statSync, Stats } from 'node:fs';
import { join } from 'node:path';
import { InputError } from './errors';
import { DNS1123_LABEL } from './schema';
import { displayPath } from './load';
import { Modelfile, ModelfileError, parseModelfile } from './modelfile';

const MODELFILE_SUFFIX = '.Modelfile';

/**
 * Parses every `<dir>/<name>.Modelfile` into a record keyed by `<name>` (the name sites list in
 * `layers.ollama.customModels` and `ollama create` gives the model). A missing folder means no custom models.
 * Throws {@link InputError} naming the file and line for a Modelfile that does not parse.
 */
export function loadOllamaModelfiles(dir: string): Readonly<Record<string, Modelfile>> {
  if (!existsSync(dir)) return {};
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (err) {
    throw new InputError(displayPath(dir), 'Modelfile folder', undefined, `cannot be read (${(err as NodeJS.ErrnoException).code})`, 'make models/ollama a folder of <name>.Modelfile files');
  }
  const out: Record<string, Modelfile> = {};
  for (const entry of entries.sort()) {
    if (!entry.endsWith(MODELFILE_SUFFIX)) continue;
    const file = displayPath(join(dir, entry));
    let st: Stats | undefined;
    try {
      st = statSync(join(dir, entry));
    } catch {
      st = undefined;
    }
    if (!st?.isFile()) {
      const what = !st ? 'is a dangling symbolic link (or cannot be read)' : st.isDirectory() ? 'is a folder, not a file' : 'is not a regular file';
      throw new InputError(file, 'file name', entry, what, `replace it with the Modelfile itself, or remove it from ${displayPath(dir)}`);
    }
    const name = entry.slice(0, -MODELFILE_SUFFIX.length);
    if (!DNS1123_LABEL.test(name) || name.length > 63) {
      throw new InputError(
        file,
        'file name',
        entry,
        'is not a valid custom model name (the file name is the model name sites list in layers.ollama.customModels)',
        'rename it to <name>.Modelfile with <name> lowercase letters, digits and "-", e.g. ai-assistant.Modelfile',
      );
    }
    out[name] = parseModelfileAsInput(readFileSync(join(dir, entry), 'utf8'), file);
  }
  return out;
}

/** `parseModelfile`, with its line-numbered error turned into the synth's one-line InputError. */
function parseModelfileAsInput(source: string, file: string): Modelfile {
  try {
    return parseModelfile(source, file);
  } catch (err) {
    if (!(err instanceof ModelfileError)) throw err;
    // ModelfileError.detail reads "<problem> — <fix>"; keep both halves where they are separable.
    const cut = err.detail.indexOf(' — ');
    const problem = cut >= 0 ? err.detail.slice(0, cut) : err.detail;
    const fix = cut >= 0 ? err.detail.slice(cut + 3) : 'correct the Modelfile (syntax: docs/ollama.md)';
    throw new InputError(file, `line ${err.line}`, undefined, problem, fix);
  }
}
