/**
 * Just enough PromQL structure to check alert rules against a running system: splitting a condition
 * at its top-level operators. Prometheus 2.42 has no parse API, so this scans the text; it knows
 * brackets, strings and operator precedence, and refuses what it does not handle.
 */

const wordChar = /[A-Za-z0-9_:]/;
const comparisons = ['==', '!=', '>=', '<=', '>', '<'];
const numberLiteral = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
/** What may follow a binary operator before its right operand. */
const modifier = /^(bool\b|(on|ignoring|group_left|group_right)\s*(\([^)]*\))?)\s*/;

/** Where `expr` has `operators` outside brackets and strings: the operands and the operators between them. */
export function splitTopLevel(expr: string, operators: readonly string[]): { operands: string[]; operators: string[] } {
  const operands: string[] = [];
  const found: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (depth === 0) {
      const op = operatorAt(expr, i, operators);
      if (op) {
        operands.push(expr.slice(start, i).trim());
        found.push(op);
        i += op.length - 1;
        start = i + 1;
      }
    }
  }
  operands.push(expr.slice(start).trim());
  return { operands, operators: found };
}

function operatorAt(expr: string, i: number, operators: readonly string[]): string | undefined {
  // Longest first, so that `>=` is not read as `>`.
  for (const op of [...operators].sort((a, b) => b.length - a.length)) {
    if (!expr.startsWith(op, i)) continue;
    if (wordChar.test(op[0]!) && (wordChar.test(expr[i - 1] ?? ' ') || wordChar.test(expr[i + op.length] ?? ' '))) continue;
    return op;
  }
  return undefined;
}

/** The operand without the modifiers (`on(...)`, `group_left`, `bool`, ...) that open it; `bool` reported. */
function stripModifiers(operand: string): { text: string; bool: boolean } {
  let text = operand;
  let bool = false;
  for (let m = modifier.exec(text); m; m = modifier.exec(text)) {
    bool ||= m[1] === 'bool';
    text = text.slice(m[0].length);
  }
  return { text: text.trim(), bool };
}

/** `(x)` → `x` when the parentheses enclose the whole expression. */
function unwrap(expr: string): string {
  const text = expr.trim();
  if (!text.startsWith('(') || closingParen(text) !== text.length - 1) return text;
  return unwrap(text.slice(1, -1));
}

/** Index of the `)` that closes the `(` at index 0. */
function closingParen(text: string): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

/**
 * The value expressions an alert condition compares: what to query on a healthy system, where the
 * condition itself is rightly empty. `a or b`, `a and b`: the operands' own; `lhs > 0.5`: lhs;
 * `lhs < rhs`: both; `x == bool y` (not a filter) and an expression without a comparison: itself.
 * `unless` is refused: its right side is rightly empty when healthy, and a caller must decide.
 */
export function conditionOperands(expr: string): string[] {
  const text = unwrap(expr);
  const byOr = splitTopLevel(text, ['or']);
  if (byOr.operands.length > 1) return byOr.operands.flatMap((operand) => conditionOperands(stripModifiers(operand).text));
  const byAnd = splitTopLevel(text, ['and', 'unless']);
  if (byAnd.operators.includes('unless')) throw new Error(`conditionOperands: 'unless' is not handled: ${expr}`);
  if (byAnd.operands.length > 1) return byAnd.operands.flatMap((operand) => conditionOperands(stripModifiers(operand).text));
  const byComparison = splitTopLevel(text, comparisons);
  if (byComparison.operators.length === 0) return [text];
  if (byComparison.operators.length > 1) throw new Error(`conditionOperands: chained comparisons are not handled: ${expr}`);
  const [lhs, rhs] = byComparison.operands as [string, string];
  const right = stripModifiers(rhs);
  if (right.bool) return [text];
  return [lhs, right.text].filter((operand) => !numberLiteral.test(operand));
}
