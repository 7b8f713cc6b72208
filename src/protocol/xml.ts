// A tiny XML writer: just enough for AWS responses (elements and text, one optional xmlns).

/**
 * Escapes text and attribute values. `\r` becomes `&#xD;` because XML parsers turn a raw CR (or CRLF)
 * into LF; other C0 controls (not allowed raw in XML 1.0) become character references too.
 */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"'\u0000-\u0008\u000b\u000c\u000d\u000e-\u001f]/g, (c) => {
    switch (c) {
      case '&': return '&amp;';
      case '<': return '&lt;';
      case '>': return '&gt;';
      case '"': return '&quot;';
      case "'": return '&apos;';
      default: return `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`;
    }
  });
}

export class XmlWriter {
  private parts: string[] = [];

  constructor(declaration = false) {
    if (declaration) this.parts.push('<?xml version="1.0" encoding="UTF-8"?>\n');
  }

  open(name: string, xmlns?: string): this {
    this.parts.push(xmlns === undefined ? `<${name}>` : `<${name} xmlns="${escapeXml(xmlns)}">`);
    return this;
  }

  close(name: string): this {
    this.parts.push(`</${name}>`);
    return this;
  }

  /** `<name>text</name>`; an empty string gives `<name></name>`, which parsers read as ''. */
  text(name: string, value: string): this {
    this.parts.push(`<${name}>${escapeXml(value)}</${name}>`);
    return this;
  }

  empty(name: string): this {
    this.parts.push(`<${name}/>`);
    return this;
  }

  toString(): string {
    return this.parts.join('');
  }
}
