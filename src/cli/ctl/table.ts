// The table layout of github.com/olekukonko/tablewriter as etcdctl configures it (headers centred and upper-cased,
// cells right-aligned), so `-w table` output matches etcdctl's.

export function renderTable(header: string[], rows: string[][]): string {
  const titles = header.map((h) => h.replace(/[_.]/g, ' ').toUpperCase());
  const widths = titles.map((t, i) => Math.max(width(t), ...rows.map((r) => width(r[i] ?? ''))));
  const rule = '+' + widths.map((w) => '-'.repeat(w + 2)).join('+') + '+\n';
  const centred = (text: string, w: number): string => {
    const gap = w - width(text);
    const left = Math.floor(gap / 2);
    return ' '.repeat(left) + text + ' '.repeat(gap - left);
  };
  let out = rule;
  out += '|' + titles.map((t, i) => ` ${centred(t, widths[i])} `).join('|') + '|\n';
  out += rule;
  for (const row of rows) {
    out += '|' + widths.map((w, i) => ` ${' '.repeat(w - width(row[i] ?? ''))}${row[i] ?? ''} `).join('|') + '|\n';
  }
  out += rule;
  return out;
}

function width(s: string): number {
  return [...s].length;
}
