import type { SavingsPlan, SavingsPlanOffering } from '../../engines/billing/types.ts';
import { amount } from '../ce/reports/format.ts';
import { usagePrefix } from '../../core/regions.ts';
import type * as S from './generated/shapes.ts';

// Engine records → the Savings Plans API's shapes (money as strings, times as ISO 8601 strings).

export const termLabel = (durationSec: number) => `${Math.round(durationSec / 31_536_000)}yr`;

/** The usage type of a plan's own charges: ComputeSP:1yrNoUpfront, USW2-EC2SP:m7i.3yrAllUpfront. */
export function offeringUsageType(o: SavingsPlanOffering): string {
  const tail = `${termLabel(o.durationSec)}${o.paymentOption.replace(/ /g, '')}`;
  return o.planType === 'Compute' ? `ComputeSP:${tail}` : `${usagePrefix(o.region ?? 'us-east-1')}EC2SP:${o.instanceFamily}.${tail}`;
}

export const offeringServiceCode = (o: { planType: string }) => (o.planType === 'Compute' ? 'ComputeSavingsPlans' : 'EC2InstanceSavingsPlans');

export function offeringShape(o: SavingsPlanOffering): S.SavingsPlanOffering {
  return {
    offeringId: o.offeringId,
    productTypes: o.productTypes,
    planType: o.planType,
    description: o.description,
    paymentOption: o.paymentOption,
    durationSeconds: o.durationSec,
    currency: o.currency,
    serviceCode: offeringServiceCode(o),
    usageType: offeringUsageType(o),
    operation: '',
    properties: [
      ...(o.region ? [{ name: 'region' as const, value: o.region }] : []),
      ...(o.instanceFamily ? [{ name: 'instanceFamily' as const, value: o.instanceFamily }] : []),
    ],
  };
}

export function parentOffering(o: SavingsPlanOffering): S.ParentSavingsPlanOffering {
  return {
    offeringId: o.offeringId, paymentOption: o.paymentOption, planType: o.planType, durationSeconds: o.durationSec,
    currency: o.currency, planDescription: o.description,
  };
}

export const iso = (ms: number) => new Date(ms).toISOString();

export function planShape(p: SavingsPlan, o: SavingsPlanOffering | undefined): S.SavingsPlan {
  return {
    offeringId: p.offeringId,
    savingsPlanId: p.id,
    savingsPlanArn: p.arn,
    description: o?.description,
    start: iso(p.startMs),
    end: iso(p.endMs),
    state: p.state,
    region: p.region,
    ec2InstanceFamily: p.instanceFamily,
    savingsPlanType: p.planType,
    paymentOption: p.paymentOption,
    productTypes: o?.productTypes ?? (p.planType === 'Compute' ? ['EC2', 'Fargate', 'Lambda'] : ['EC2']),
    currency: 'USD',
    commitment: amount(p.commitment),
    upfrontPaymentAmount: amount(p.upfrontPaymentAmount),
    recurringPaymentAmount: amount(p.recurringPaymentAmount),
    termDurationInSeconds: Math.round((p.endMs - p.startMs) / 1000),
    tags: p.tags,
  };
}

export type EngineRate = ReturnType<import('../../engines/billing/types.ts').SavingsPlansBook['rates']>[number];

const SERVICE_CODE = { EC2: 'AmazonEC2', Fargate: 'AmazonECS', Lambda: 'AWSLambda' } as const;
const OPERATION = { EC2: 'RunInstances', Fargate: 'FargateTask', Lambda: 'Invoke' } as const;

/** A rate's searchable fields (what the rate filters and properties read). */
export function rateFields(r: EngineRate): Record<string, string | undefined> {
  return {
    region: r.region,
    instanceType: r.instanceType,
    instanceFamily: r.instanceType?.split('.')[0],
    productDescription: r.productType === 'EC2' ? 'Linux/UNIX' : undefined,
    tenancy: r.productType === 'EC2' ? 'shared' : undefined,
    productType: r.productType,
    serviceCode: SERVICE_CODE[r.productType],
    usageType: r.usageType,
    operation: OPERATION[r.productType],
  };
}

export function rateShape(r: EngineRate): S.SavingsPlanRate {
  const f = rateFields(r);
  const properties = (['region', 'instanceType', 'instanceFamily', 'productDescription', 'tenancy'] as const)
    .filter((k) => f[k] !== undefined).map((name) => ({ name, value: f[name]! }));
  return {
    rate: amount(r.rate),
    currency: 'USD',
    unit: r.unit as S.SavingsPlanRateUnit,
    productType: r.productType,
    serviceCode: SERVICE_CODE[r.productType],
    usageType: r.usageType,
    operation: OPERATION[r.productType],
    properties,
  };
}
