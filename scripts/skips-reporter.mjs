// A node:test reporter that writes one JSON line per skipped test or suite (its suite, name and
// reason), for scripts/run-tests.mjs to list at the end of the run. Node counts a skipped test in
// its "# skipped" total, but not the tests of a skipped suite (they never run): those show here as
// a suite, so that no skip can disappear from the summary.
export default async function* skipsReporter(source) {
  const path = []; // names of the tests being reported, by nesting level
  for await (const event of source) {
    if (event.type === 'test:start') {
      path.length = event.data.nesting;
      path.push(event.data.name);
      continue;
    }
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { skip, name, nesting, details } = event.data;
    if (skip === undefined || skip === false) continue;
    yield JSON.stringify({
      kind: details?.type === 'suite' ? 'suite' : 'test',
      suite: nesting > 0 ? path[0] : undefined,
      name,
      reason: skip === true ? '' : String(skip),
    }) + '\n';
  }
}
