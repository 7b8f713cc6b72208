export function arn(parts: { partition?: string; service: string; region: string; account: string; resource: string }): string {
  return `arn:${parts.partition ?? 'aws'}:${parts.service}:${parts.region}:${parts.account}:${parts.resource}`;
}
