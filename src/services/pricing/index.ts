import { readFileSync } from 'node:fs';
import type { Handler, HandlerMap } from '../../gateway/context.ts';
import type { ServiceDefinition } from '../../gateway/registry.ts';
import { protocols } from '../../protocol/index.ts';
import type { ServiceModel } from '../../protocol/types.ts';
import { InvalidNextTokenException, InvalidParameterException, NotFoundException } from './errors.ts';
import type { Operations } from './generated/operations.ts';
import type { Filter } from './generated/shapes.ts';
import { fingerprint, page } from './paging.ts';
import { fieldOf, priceListItem, productsOf, publication, SERVICE_CODES, type PriceSource, type Product, type ServiceCode } from './products.ts';

// AWS Price List (JSON 1.1, X-Amz-Target AWSPriceListService.*) over the billing engine's price catalog.
//
// LIMITATIONS (see README "Billing"):
// - Service codes AmazonEC2 (Linux Compute Instance products, Shared/Dedicated/Host tenancy, capacitystatus Used,
//   Dedicated Host products, Reserved terms from the engine's RI offerings), AWSLambda (duration and requests, x86) and
//   AmazonECS (Fargate vCPU and memory): only the regions and instance types of Nimbus's price catalog.
// - No spot, Windows/RHEL/SQL Server, EBS, data transfer or Savings Plans products; no price list files
//   (ListPriceLists/GetPriceListFileUrl are not in the model).
// - Filter field names match case-insensitively; TERM_MATCH and CONTAINS values case-insensitively, EQUALS exactly;
//   ANY_OF / NONE_OF take a comma-separated list.

export const pricingModel = JSON.parse(readFileSync(new URL('../../../models/pricing.json', import.meta.url), 'utf8')) as ServiceModel;

const FORMAT = 'aws_v1';
const tokenErrors = { invalid: (m: string) => new InvalidNextTokenException(m) };

function maxResults(v: number | undefined, def: number, max: number): number {
  if (v === undefined) return def;
  if (!Number.isInteger(v) || v < 1 || v > max) throw new InvalidParameterException(`MaxResults must be between 1 and ${max}.`);
  return v;
}

function checkFormat(v: string | undefined): void {
  if (v !== undefined && v !== FORMAT) throw new InvalidParameterException(`Invalid FormatVersion: ${v}. Valid values are: ${FORMAT}`);
}

/** One filter as a predicate on products (throws InvalidParameterException for a malformed filter). */
export function filterPredicate(f: Filter): (p: Product) => boolean {
  if (!f || typeof f.Field !== 'string' || f.Field === '') throw new InvalidParameterException('Filter Field must be a non-empty string.');
  if (typeof f.Value !== 'string') throw new InvalidParameterException(`Filter Value is required for field ${f.Field}.`);
  const value = f.Value;
  const lower = value.toLowerCase();
  const list = () => value.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  switch (f.Type) {
    case 'TERM_MATCH':
      return (p) => fieldOf(p, f.Field)?.toLowerCase() === lower;
    case 'EQUALS':
      return (p) => fieldOf(p, f.Field) === value;
    case 'CONTAINS':
      return (p) => fieldOf(p, f.Field)?.toLowerCase().includes(lower) ?? false;
    case 'ANY_OF': {
      const set = new Set(list());
      if (!set.size) throw new InvalidParameterException('ANY_OF filter needs a comma-separated list of values.');
      return (p) => set.has(fieldOf(p, f.Field)?.toLowerCase() ?? '\0');
    }
    case 'NONE_OF': {
      const set = new Set(list());
      if (!set.size) throw new InvalidParameterException('NONE_OF filter needs a comma-separated list of values.');
      return (p) => !set.has(fieldOf(p, f.Field)?.toLowerCase() ?? '\0');
    }
    default:
      throw new InvalidParameterException(`Invalid filter type: ${String(f.Type)}. Valid values are: TERM_MATCH, EQUALS, CONTAINS, ANY_OF, NONE_OF`);
  }
}

export function createPricingService(billing: PriceSource): ServiceDefinition {
  // The catalog is static data: products are built once per service code, on first use.
  const cache = new Map<ServiceCode, Product[]>();
  const products = (code: string): Product[] => {
    if (!(SERVICE_CODES as readonly string[]).includes(code)) throw new NotFoundException(`Requested service code ${code} does not exist or is not supported by Nimbus (supported: ${SERVICE_CODES.join(', ')}).`);
    let list = cache.get(code as ServiceCode);
    if (!list) cache.set(code as ServiceCode, (list = productsOf(billing, code as ServiceCode)));
    return list;
  };
  const attributeNames = (code: ServiceCode) => [...new Set(products(code).flatMap((p) => Object.keys(p.attributes)))].sort();

  const handlers: HandlerMap<Operations> = {
    DescribeServices(input) {
      checkFormat(input.FormatVersion);
      const codes = input.ServiceCode ? [products(input.ServiceCode) && (input.ServiceCode as ServiceCode)] : [...SERVICE_CODES];
      const size = maxResults(input.MaxResults, 100, 100);
      const out = page(codes, size, input.NextToken, fingerprint({ s: input.ServiceCode }), tokenErrors);
      return { Services: out.items.map((c) => ({ ServiceCode: c, AttributeNames: attributeNames(c) })), FormatVersion: FORMAT, NextToken: out.nextToken };
    },
    GetAttributeValues(input) {
      const list = products(input.ServiceCode);
      if (!input.AttributeName) throw new InvalidParameterException('AttributeName is required.');
      const values = [...new Set(list.map((p) => fieldOf(p, input.AttributeName)).filter((v): v is string => v !== undefined))].sort();
      const size = maxResults(input.MaxResults, 100, 10000);
      const out = page(values, size, input.NextToken, fingerprint({ s: input.ServiceCode, a: input.AttributeName }), tokenErrors);
      return { AttributeValues: out.items.map((Value) => ({ Value })), NextToken: out.nextToken };
    },
    GetProducts(input) {
      checkFormat(input.FormatVersion);
      const list = products(input.ServiceCode);
      const preds = (input.Filters ?? []).map(filterPredicate);
      const size = maxResults(input.MaxResults, 100, 100);
      const matched = list.filter((p) => preds.every((f) => f(p)));
      const out = page(matched, size, input.NextToken, fingerprint({ s: input.ServiceCode, f: input.Filters ?? [] }), tokenErrors);
      const pub = publication(billing.catalog);
      return { FormatVersion: FORMAT, PriceList: out.items.map((p) => priceListItem(p, pub)), NextToken: out.nextToken };
    },
  };

  return {
    name: 'pricing',
    model: pricingModel,
    protocols: [protocols.json],
    handlers: handlers as unknown as Record<string, Handler>,
    limitations: [
      'Service codes AmazonEC2 (Linux instances: Shared/Dedicated/Host tenancy, Dedicated Hosts, Reserved terms), AWSLambda and AmazonECS (Fargate)',
      "Regions and instance types of Nimbus's price catalog only; no spot, Windows, EBS, data transfer or price list files",
    ],
  };
}
