import {
  type Address,
  DescribeAddressesCommand,
  type EC2Client,
  GetSubnetCidrReservationsCommand,
  type ManagedPrefixList,
  type PrefixListEntry,
  paginateDescribeManagedPrefixLists,
  paginateGetManagedPrefixListEntries,
  type SubnetCidrReservation,
} from "@aws-sdk/client-ec2";

export interface PrefixListRead {
  list: ManagedPrefixList;
  entries: PrefixListEntry[];
}

const FILTER_VALUES = 200;

/**
 * Elastic IPs: every one of the Region (whole Region), or those associated with the ENIs read.
 * DescribeAddresses is not paginated.
 */
export const readElasticIps = async (
  ec2: EC2Client,
  eniIds: readonly string[] | undefined,
): Promise<Address[]> => {
  if (eniIds === undefined) return (await ec2.send(new DescribeAddressesCommand({}))).Addresses ?? [];
  const out: Address[] = [];
  for (let i = 0; i < eniIds.length; i += FILTER_VALUES) {
    const Filters = [{ Name: "network-interface-id", Values: eniIds.slice(i, i + FILTER_VALUES) }];
    out.push(...((await ec2.send(new DescribeAddressesCommand({ Filters }))).Addresses ?? []));
  }
  return out;
};

/** GetSubnetCidrReservations takes one subnet per call (SubnetId required), pages with NextToken. */
export const readCidrReservations = async (
  ec2: EC2Client,
  subnetIds: readonly string[],
): Promise<SubnetCidrReservation[]> => {
  const out: SubnetCidrReservation[] = [];
  for (const SubnetId of subnetIds) {
    let NextToken: string | undefined;
    do {
      const page = await ec2.send(
        new GetSubnetCidrReservationsCommand({ SubnetId, NextToken, MaxResults: 1000 }),
      );
      out.push(...(page.SubnetIpv4CidrReservations ?? []), ...(page.SubnetIpv6CidrReservations ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
  }
  return out;
};

/** The prefix lists routes point at, with their current entries. */
export const readPrefixLists = async (ec2: EC2Client, ids: readonly string[]): Promise<PrefixListRead[]> => {
  if (ids.length === 0) return [];
  const lists: ManagedPrefixList[] = [];
  for (const page of await collectPages(
    paginateDescribeManagedPrefixLists({ client: ec2, pageSize: 100 }, { PrefixListIds: [...ids] }),
  ))
    lists.push(...(page.PrefixLists ?? []));
  const out: PrefixListRead[] = [];
  for (const list of lists) {
    const pages = paginateGetManagedPrefixListEntries(
      { client: ec2, pageSize: 100 },
      { PrefixListId: list.PrefixListId },
    );
    out.push({ list, entries: (await collectPages(pages)).flatMap((p) => p.Entries ?? []) });
  }
  return out;
};

const collectPages = async <P>(pages: AsyncIterable<P>): Promise<P[]> => {
  const out: P[] = [];
  for await (const page of pages) out.push(page);
  return out;
};
