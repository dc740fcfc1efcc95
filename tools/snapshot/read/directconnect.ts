import {
  DescribeVirtualInterfacesCommand,
  type DirectConnectClient,
  type VirtualInterface,
} from "@aws-sdk/client-direct-connect";

/** DescribeVirtualInterfaces: `maxResults` above 100 answers 100 (API reference); `nextToken` pages. */
const PAGE = 100;

/**
 * Direct Connect virtual interfaces with their BGP peers: every interface of the Region, paged, the
 * configured ones picked from them (one listing costs fewer calls than one call per configured id).
 */
export const readVirtualInterfaces = async (
  client: DirectConnectClient,
  ids: readonly string[] | undefined,
): Promise<VirtualInterface[]> => {
  if (ids !== undefined && ids.length === 0) return [];
  const all: VirtualInterface[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new DescribeVirtualInterfacesCommand({ maxResults: PAGE, nextToken }));
    all.push(...(page.virtualInterfaces ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return ids === undefined ? all : all.filter((v) => ids.includes(v.virtualInterfaceId ?? ""));
};
