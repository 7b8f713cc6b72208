import { UnsupportedOperation } from './errors.ts';

// Placeholder until spot, dedicated hosts and reserved instances land (issue 6).
const todo = () => {
  throw new UnsupportedOperation('Not implemented yet');
};
export function purchaseOptionHandlers() {
  return {
    RequestSpotInstances: todo, DescribeSpotInstanceRequests: todo, CancelSpotInstanceRequests: todo, DescribeSpotPriceHistory: todo,
    AllocateHosts: todo, DescribeHosts: todo, ReleaseHosts: todo, ModifyHosts: todo, ModifyInstancePlacement: todo,
    DescribeReservedInstancesOfferings: todo, PurchaseReservedInstancesOffering: todo, DescribeReservedInstances: todo,
  };
}
