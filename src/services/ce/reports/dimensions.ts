import type { LineItem } from '../../../engines/billing/types.ts';

// The Cost Explorer dimensions Nimbus can read off a billing line item.

export const LINE_ITEM_DIMENSIONS = [
  'SERVICE', 'SERVICE_CODE', 'LINKED_ACCOUNT', 'REGION', 'AZ', 'INSTANCE_TYPE', 'INSTANCE_TYPE_FAMILY', 'USAGE_TYPE', 'PURCHASE_TYPE',
  'OPERATION', 'PLATFORM', 'OPERATING_SYSTEM', 'TENANCY', 'RECORD_TYPE', 'RESOURCE_ID', 'RESERVATION_ID', 'SAVINGS_PLAN_ARN',
] as const;
export type LineItemDimension = (typeof LINE_ITEM_DIMENSIONS)[number];

/** What GetCostAndUsage may group by (AWS does not group by resource, reservation or plan there). */
export const GROUP_BY_DIMENSIONS: LineItemDimension[] = [
  'AZ', 'INSTANCE_TYPE', 'INSTANCE_TYPE_FAMILY', 'LINKED_ACCOUNT', 'OPERATION', 'PURCHASE_TYPE', 'PLATFORM', 'REGION', 'RECORD_TYPE', 'SERVICE',
  'SERVICE_CODE', 'TENANCY', 'USAGE_TYPE',
];

export const SP_SERVICE = 'Savings Plans for AWS Compute usage';
const EC2_SERVICE = 'Amazon Elastic Compute Cloud - Compute';

const SERVICE_CODES: Record<string, string> = {
  [EC2_SERVICE]: 'AmazonEC2',
  'AWS Lambda': 'AWSLambda',
  'Amazon Elastic Container Service': 'AmazonECS',
  [SP_SERVICE]: 'ComputeSavingsPlans',
};

/** The usage type without its region prefix: USW2-BoxUsage:t3.micro → BoxUsage:t3.micro. */
export function bareUsageType(usageType: string): string {
  return usageType.replace(/^[A-Z]{2,4}\d?-(?=[A-Za-z])/, '');
}

/** A Savings Plan's own charges (its hourly commitment, its upfront payment), as opposed to usage it covers. */
export const isSavingsPlanFee = (li: LineItem) => li.lineItemType === 'SavingsPlanRecurringFee' || li.lineItemType === 'SavingsPlanUpfrontFee' || li.service === SP_SERVICE;
/** A Reserved Instance's charges (hourly RIFee, upfront Fee), as opposed to usage it covers. */
export const isReservationFee = (li: LineItem) => li.lineItemType === 'RIFee' || li.lineItemType === 'Fee';
/** EC2 instance-hours (any tenancy or market). */
export const isInstanceUsage = (li: LineItem) => li.service === EC2_SERVICE && !!li.instanceType && !isReservationFee(li)
  && /(^|-)(BoxUsage|SpotUsage|DedicatedUsage|HostBoxUsage):/.test(li.usageType);

function tenancy(li: LineItem): string | undefined {
  const u = bareUsageType(li.usageType);
  if (/^(BoxUsage|SpotUsage)/.test(u)) return 'Shared';
  if (/^DedicatedUsage/.test(u)) return 'Dedicated';
  if (/^(HostUsage|HostBoxUsage)/.test(u)) return 'Host';
  return undefined;
}

// Cost Explorer's RECORD_TYPE values for the engine's line item types.
const RECORD_TYPES: Record<string, string> = {
  Usage: 'Usage', DiscountedUsage: 'DiscountedUsage', SavingsPlanCoveredUsage: 'SavingsPlanCoveredUsage', RIFee: 'Recurring reservation fee',
  Fee: 'Upfront reservation fee', SavingsPlanRecurringFee: 'SavingsPlanRecurringFee', SavingsPlanUpfrontFee: 'SavingsPlanUpfrontFee',
};

function recordType(li: LineItem): string {
  return RECORD_TYPES[li.lineItemType ?? 'Usage'] ?? 'Usage';
}

function operation(li: LineItem): string | undefined {
  if (li.service === EC2_SERVICE) return /HostUsage:/.test(li.usageType) ? 'Hourly' : 'RunInstances';
  if (li.service === 'AWS Lambda') return 'Invoke';
  if (li.service === 'Amazon Elastic Container Service') return 'FargateTask';
  return undefined;
}

/** The value of a dimension on a line item (undefined when it has none, e.g. INSTANCE_TYPE of a Lambda request). */
export function lineItemValue(li: LineItem, dim: string): string | undefined {
  switch (dim) {
    case 'SERVICE': return li.service;
    case 'SERVICE_CODE': return SERVICE_CODES[li.service];
    case 'LINKED_ACCOUNT': return li.account;
    case 'REGION': return li.region;
    case 'AZ': return li.az;
    case 'INSTANCE_TYPE': return li.instanceType;
    case 'INSTANCE_TYPE_FAMILY': return li.instanceType?.split('.')[0];
    case 'USAGE_TYPE': return li.usageType;
    case 'PURCHASE_TYPE': return li.purchaseType;
    case 'OPERATION': return operation(li);
    case 'PLATFORM': return li.instanceType ? 'Linux/UNIX' : undefined;
    case 'OPERATING_SYSTEM': return li.instanceType || li.service === 'Amazon Elastic Container Service' ? 'Linux' : undefined;
    case 'TENANCY': return tenancy(li);
    case 'RECORD_TYPE': return recordType(li);
    case 'RESOURCE_ID': return li.resourceId;
    case 'RESERVATION_ID': return li.reservationId;
    case 'SAVINGS_PLAN_ARN': return li.savingsPlanArn;
    default: return undefined;
  }
}

/** The group key Cost Explorer shows for a line item without the dimension: NoInstanceType, NoAZ, NoTenancy, … */
export function missingValue(dim: string): string {
  if (dim === 'AZ') return 'NoAZ';
  return `No${dim.toLowerCase().split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('')}`;
}
