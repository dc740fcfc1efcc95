import {
  DescribeVirtualInterfacesCommand,
  type DirectConnectClient,
  type VirtualInterface,
} from "@aws-sdk/client-direct-connect";

/**
 * Direct Connect virtual interfaces with their BGP peers (DescribeVirtualInterfaces is not paginated: one
 * call answers every interface of the Region, so the configured ones are picked from it).
 */
export const readVirtualInterfaces = async (
  client: DirectConnectClient,
  ids: readonly string[] | undefined,
): Promise<VirtualInterface[]> => {
  if (ids !== undefined && ids.length === 0) return [];
  const answer = await client.send(new DescribeVirtualInterfacesCommand({}));
  const all = answer.virtualInterfaces ?? [];
  return ids === undefined ? all : all.filter((v) => ids.includes(v.virtualInterfaceId ?? ""));
};
