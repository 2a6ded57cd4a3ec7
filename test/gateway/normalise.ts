// Makes a transcript of v2 answers comparable across servers: indexes become tokens numbered in order of
// first appearance (etcd and tetcd count from different starting points), expiration times a placeholder.
export class IndexNormaliser {
  private readonly tokens = new Map<string, string>();

  token(n: string): string {
    if (n === '0') return '0';
    let t = this.tokens.get(n);
    if (t === undefined) {
      t = `#${this.tokens.size + 1}`;
      this.tokens.set(n, t);
    }
    return t;
  }

  body(text: string): string {
    return text
      .replace(/"expiration":"[^"]+"/g, '"expiration":"<time>"')
      .replace(/"(modifiedIndex|createdIndex|index)":(\d+)/g, (_m, field: string, n: string) => `"${field}":"${this.token(n)}"`)
      .replace(/\/(\d{20})/g, (_m, n: string) => `/${this.token(String(BigInt(n)))}`)
      .replace(/\[(\d+) != (\d+)\]/g, (_m, given: string, actual: string) => `[${given} != ${this.token(actual)}]`);
  }
}
