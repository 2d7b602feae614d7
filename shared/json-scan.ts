/**
 * A single pass over JSON text that checks, before anything builds or walks the
 * value, what JSON.parse would let through silently: nesting deeper than a cap,
 * too many keys in one object, a key given twice (JSON.parse keeps the last),
 * a key that could reach a prototype, and a number that overflows a double
 * (JSON.parse reads `1e400` as Infinity, which later prints as `null`).
 *
 * Why not a library: a parser that reports duplicate keys with their place
 * (e.g. @humanwhocodes/momoa) builds a full syntax tree by recursive descent, so
 * a hostile nesting depth overflows the stack before any limit is checked. This
 * scan keeps an explicit stack, never recurses, examines each character once
 * (counted: {@link JsonScan.charsExamined}) and quotes no content in its
 * messages but a key name or a path. Syntax it accepts is exactly JSON.parse's
 * (the fuzz tests hold it to that); the value itself is then built by JSON.parse.
 */

/** Caps on the structure. */
export interface JsonScanLimits {
  /** Deepest nesting of objects and arrays below the top-level value (a container at depth 0). */
  maxDepth: number;
  /** Most keys in one object. */
  maxKeys: number;
}

/** What was wrong, where: `path` is dot-separated keys and array indexes ('' for the top level). */
export interface JsonProblem {
  kind: 'syntax' | 'depth' | 'keys' | 'duplicate' | 'forbidden' | 'non-finite';
  message: string;
  /** The key, for a duplicate or forbidden key. */
  key?: string;
  path: string;
  line: number;
  column: number;
}

/** The outcome of a scan. */
export interface JsonScan {
  /** The first problem; a syntax problem ends the scan, the others do not (so top-level members are still found). */
  problem?: JsonProblem;
  /** Top-level members whose values are strings (e.g. a run request's `requestId`), when the top level is an object; the first of a repeated key. */
  topLevelStrings: Map<string, string>;
  /** Characters examined: at most a small multiple of the text's length. */
  charsExamined: number;
}

/** Keys that could reach an object's prototype if anything merged objects naively. */
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const MAX_NAMED_KEY = 100;

interface Frame {
  object: boolean;
  /** Within the depth cap: keys and paths are tracked. Beyond it only the nesting is. */
  tracked: boolean;
  /** Keys seen so far (tracked objects only). */
  keys: Set<string> | null;
  path: string;
  index: number;
  key: string;
}

type Mode = 'value' | 'valueOrClose' | 'key' | 'keyOrClose' | 'after';

class SyntaxProblem extends Error {}

/** Scans `text` as one JSON value under `limits`. Never throws. */
export function scanJson(text: string, limits: JsonScanLimits): JsonScan {
  const topLevelStrings = new Map<string, string>();
  const stack: Frame[] = [];
  let i = 0;
  let examined = 0;
  let problem: JsonProblem | undefined;
  const n = text.length;

  const note = (kind: JsonProblem['kind'], message: string, path: string, at: number, key?: string) => {
    problem ??= { kind, message, path, ...(key === undefined ? {} : { key }), ...position(text, at) };
  };
  const syntax = (what: string) => {
    throw new SyntaxProblem(what);
  };
  const skipWhitespace = () => {
    while (i < n) {
      examined++;
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      i++;
    }
  };
  /** The path of the value about to be read in the innermost container (kept only within the depth cap). */
  const valuePath = (): string => {
    const top = stack.at(-1);
    if (!top) return '';
    if (!top.tracked) return top.path;
    const step = top.object ? top.key : String(top.index);
    return top.path ? `${top.path}.${step}` : step;
  };
  /** Scans a string starting at its opening quote; returns its end (after the closing quote). */
  const scanString = (): number => {
    let j = i + 1;
    for (;;) {
      if (j >= n) syntax('unterminated string');
      examined++;
      const c = text.charCodeAt(j);
      if (c === 0x22) return j + 1;
      if (c < 0x20) syntax('a control character inside a string (escape it)');
      if (c === 0x5c) {
        examined++;
        const e = text.charCodeAt(j + 1);
        if (e === 0x75) {
          for (let k = 2; k < 6; k++) {
            examined++;
            if (!/[0-9a-fA-F]/.test(text[j + k] ?? '')) syntax('a bad \\u escape in a string');
          }
          j += 6;
        } else if ('"\\/bfnrt'.includes(text[j + 1] ?? 'x') && j + 1 < n) j += 2;
        else syntax('a bad escape in a string');
      } else j++;
    }
  };
  const openContainer = (object: boolean) => {
    // The top-level container is at depth 0.
    const tracked = stack.length <= limits.maxDepth;
    // Beyond the cap a frame keeps its parent's path: no string grows with the depth.
    const path = valuePath();
    if (!tracked) note('depth', `${path || 'the top level'}: nests deeper than ${limits.maxDepth} levels`, path, i);
    stack.push({ object, tracked, keys: tracked && object ? new Set() : null, path, index: 0, key: '' });
    i++;
  };
  const closeContainer = () => {
    const frame = stack.pop()!;
    if (frame.keys && frame.keys.size > limits.maxKeys) {
      note('keys', `${frame.path || 'the top level'} has ${frame.keys.size} keys; at most ${limits.maxKeys} are allowed in one object`, frame.path, i);
    }
    i++;
  };

  let mode: Mode = 'value';
  try {
    for (;;) {
      skipWhitespace();
      if (i >= n) {
        if (mode === 'after' && stack.length === 0) break;
        syntax('unexpected end of input');
      }
      examined++;
      const c = text.charCodeAt(i);
      if (mode === 'after') {
        const top = stack.at(-1);
        if (!top) syntax('unexpected data after the JSON value');
        if (c === 0x2c) {
          i++;
          if (top!.object) mode = 'key';
          else {
            top!.index++;
            mode = 'value';
          }
        } else if (c === (top!.object ? 0x7d : 0x5d)) {
          closeContainer();
        } else syntax(top!.object ? "expected ',' or '}' after a member" : "expected ',' or ']' after an element");
        continue;
      }
      if (mode === 'keyOrClose' && c === 0x7d) {
        closeContainer();
        mode = 'after';
        continue;
      }
      if (mode === 'valueOrClose' && c === 0x5d) {
        closeContainer();
        mode = 'after';
        continue;
      }
      if (mode === 'key' || mode === 'keyOrClose') {
        if (c !== 0x22) syntax('expected a key (a string in double quotes)');
        const start = i;
        const end = scanString();
        const top = stack.at(-1)!;
        const key = JSON.parse(text.slice(start, end)) as string;
        i = end;
        skipWhitespace();
        examined++;
        if (text.charCodeAt(i) !== 0x3a) syntax("expected ':' after a key");
        i++;
        top.key = key;
        if (top.keys) {
          const where = top.path || 'the top level';
          const named = JSON.stringify(key.length > MAX_NAMED_KEY ? `${key.slice(0, MAX_NAMED_KEY)}…` : key);
          if (top.keys.has(key)) note('duplicate', `${where}: the key ${named} appears twice; give each key once`, top.path, start, key);
          else if (FORBIDDEN.has(key)) note('forbidden', `${top.path ? `${top.path}.` : ''}${key}: the key ${named} is not allowed`, top.path, start, key);
          top.keys.add(key);
        }
        mode = 'value';
        continue;
      }
      // A value.
      if (c === 0x7b) {
        openContainer(true);
        mode = 'keyOrClose';
      } else if (c === 0x5b) {
        openContainer(false);
        mode = 'valueOrClose';
      } else if (c === 0x22) {
        const start = i;
        i = scanString();
        const top = stack[0];
        if (stack.length === 1 && top!.object && !topLevelStrings.has(top!.key)) topLevelStrings.set(top!.key, JSON.parse(text.slice(start, i)) as string);
        mode = 'after';
      } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
        NUMBER.lastIndex = i;
        const match = NUMBER.exec(text);
        if (!match) syntax('a malformed number');
        examined += match![0].length;
        if (!Number.isFinite(Number(match![0]))) note('non-finite', `${valuePath() || 'the value'}: not finite (overflows a double)`, valuePath(), i);
        i += match![0].length;
        mode = 'after';
      } else if (text.startsWith('true', i) || text.startsWith('null', i)) {
        examined += 4;
        i += 4;
        mode = 'after';
      } else if (text.startsWith('false', i)) {
        examined += 5;
        i += 5;
        mode = 'after';
      } else syntax('unexpected character');
    }
  } catch (error) {
    if (!(error instanceof SyntaxProblem)) throw error;
    problem = { kind: 'syntax', message: error.message, path: valuePath(), ...position(text, i) };
  }
  return { ...(problem ? { problem } : {}), topLevelStrings, charsExamined: examined };
}

/** 1-based line and column of offset `at`. */
function position(text: string, at: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let k = text.indexOf('\n'); k >= 0 && k < at; k = text.indexOf('\n', k + 1)) {
    line++;
    lineStart = k + 1;
  }
  return { line, column: at - lineStart + 1 };
}

/** The problem as a person reads it: what, where in the structure, and the line and column. */
export function problemText(problem: JsonProblem): string {
  return `${problem.message} (line ${problem.line}, column ${problem.column})`;
}
