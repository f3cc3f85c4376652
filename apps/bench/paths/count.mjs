// Counts what a command's path crosses, from its call tree (*.txt here, written by reading the code):
// each line is `<indent><file> <what>`, a deeper line a call from the line above it at a lesser indent.
//   node apps/bench/paths/count.mjs apps/bench/paths/*.txt
// - files: the source files the path runs code in;
// - calls into a file already visited: lines whose file an earlier line already entered;
// - returns to a file already visited: the same, counting also each return to the caller's file;
// - deepest stack: the most files nested on one worker's stack.
import { readFileSync } from 'node:fs';

for (const path of process.argv.slice(2)) {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  const entries = lines.map((l) => ({ indent: l.length - l.trimStart().length, file: l.trim().split(/\s+/)[0] }));
  const seen = new Set();
  let again = 0;
  for (const { file } of entries) {
    if (seen.has(file)) again++;
    seen.add(file);
  }
  // The whole sequence of files execution is in, calls and returns, repeats merged.
  const sequence = [];
  const stack = [];
  const visit = (file) => sequence.at(-1) !== file && sequence.push(file);
  for (const { indent, file } of entries) {
    while (stack.length > 0 && stack.at(-1).indent >= indent) {
      stack.pop();
      if (stack.length > 0) visit(stack.at(-1).file);
    }
    visit(file);
    stack.push({ indent, file });
  }
  while (stack.length > 1) {
    stack.pop();
    visit(stack.at(-1).file);
  }
  const visited = new Set();
  let returns = 0;
  for (const file of sequence) {
    if (visited.has(file)) returns++;
    visited.add(file);
  }
  const deepest = Math.max(...entries.map((e) => e.indent / 2)) + 1;
  console.log(`${path}: ${seen.size} files, ${entries.length} calls, ${again} calls into a file already visited, ${returns} returns to a file already visited (calls and returns), deepest stack ${deepest}`);
}
