/**
 * Customer-managed prefix lists (EC2): `DescribeManagedPrefixLists`, `GetManagedPrefixListEntries`, and the
 * lookups route operations and route selection need. A route to a prefix list matches every entry of the
 * list's current version ("Resources always use the current version"), and the list's `MaxEntries` counts
 * against the route table's route quota (VPC User Guide, "Managed prefix lists"). A control hook changes the
 * entries mid-scenario, which makes a new version, as `ModifyManagedPrefixList` does.
 */
import type {
  DescribeManagedPrefixListsResult,
  GetManagedPrefixListEntriesResult,
  ManagedPrefixList,
} from "@aws-sdk/client-ec2";
import { parseCidr } from "../../shared/net/cidr";
import type { OpContext, ServiceModel } from "./context";
import { awsError, dryRunOperation, ec2ParamErrors } from "./errors";
import { ID_PATTERNS } from "./ids";
import { applyFilters, compareStrings, type Params, paginate, readFilters, toTagList } from "./query";
import { canonicalDestination } from "./route-destination";
import { type ManagedPrefixListModel, prune, type RegionState } from "./state";

function malformed(id: string) {
  return awsError("InvalidPrefixListId.Malformed", `Invalid id: "${id}"`);
}

function notFound(id: string) {
  return awsError("InvalidPrefixListID.NotFound", `The prefix list ID '${id}' does not exist`);
}

/** The list of an id, or the EC2 error for a malformed or unknown id. */
export function prefixListOf(state: RegionState, id: string): ManagedPrefixListModel {
  if (!ID_PATTERNS.prefixList.test(id)) throw malformed(id);
  const list = state.managedPrefixLists.get(id);
  if (list === undefined) throw notFound(id);
  return list;
}

/** The CIDR blocks of the list's current version (empty for an unknown list). */
export function currentPrefixListCidrs(state: RegionState, id: string): string[] {
  const list = state.managedPrefixLists.get(id);
  return (list?.versions.get(list.version) ?? []).map((e) => e.cidr);
}

function pageSize(p: Params): number | undefined {
  return p.intInRange("MaxResults", 1, 100, "Expecting a value between 1 and 100.");
}

function toPrefixList(c: OpContext, pl: ManagedPrefixListModel): ManagedPrefixList {
  return prune({
    PrefixListId: pl.id,
    AddressFamily: pl.addressFamily,
    State: pl.version > 1 ? ("modify-complete" as const) : ("create-complete" as const),
    PrefixListArn: `arn:aws:ec2:${c.region}:${pl.ownerId}:prefix-list/${pl.id}`,
    PrefixListName: pl.name,
    MaxEntries: pl.maxEntries,
    Version: pl.version,
    Tags: toTagList(pl.tags) ?? [],
    OwnerId: pl.ownerId,
  });
}

function describeManagedPrefixLists(c: OpContext, p: Params): DescribeManagedPrefixListsResult {
  const ids = p.strList("PrefixListIds") ?? [];
  const max = pageSize(p);
  const filters = readFilters(p);
  for (const id of ids) prefixListOf(c.state, id);
  if (p.bool("DryRun") === true) throw dryRunOperation();
  const all = [...c.state.managedPrefixLists.values()].sort((a, b) => compareStrings(a.id, b.id));
  const candidates = ids.length > 0 ? all.filter((pl) => ids.includes(pl.id)) : all;
  const matched = applyFilters(candidates, filters, {
    fields: {
      "owner-id": (pl) => [pl.ownerId],
      "prefix-list-id": (pl) => [pl.id],
      "prefix-list-name": (pl) => [pl.name],
    },
    tags: (pl) => pl.tags,
    unknown: (name) => awsError("InvalidParameterValue", `The filter '${name}' is invalid`),
  });
  const { page, nextToken } = paginate(matched, {
    maxResults: max,
    nextToken: p.str("NextToken"),
    key: "DescribeManagedPrefixLists",
    errors: ec2ParamErrors,
  });
  return prune({ PrefixLists: page.map((pl) => toPrefixList(c, pl)), NextToken: nextToken });
}

function getManagedPrefixListEntries(c: OpContext, p: Params): GetManagedPrefixListEntriesResult {
  const list = prefixListOf(c.state, p.reqStr("PrefixListId"));
  const version = p.int("TargetVersion") ?? list.version;
  const max = pageSize(p);
  if (p.bool("DryRun") === true) throw dryRunOperation();
  const entries = list.versions.get(version);
  if (entries === undefined) {
    throw awsError(
      "InvalidParameterValue",
      `The specified version (${version}) of prefix list ${list.id} does not exist.`,
    );
  }
  const { page, nextToken } = paginate(entries, {
    maxResults: max,
    nextToken: p.str("NextToken"),
    key: `GetManagedPrefixListEntries/${list.id}/${version}`,
    errors: ec2ParamErrors,
  });
  return prune({
    Entries: page.map((e) => prune({ Cidr: e.cidr, Description: e.description })),
    NextToken: nextToken,
  });
}

/**
 * Replaces the entries of a list (a new version, as `ModifyManagedPrefixList` makes), for tests and the
 * control endpoint. Refuses entries of the other family or more than `MaxEntries`, as EC2 would.
 */
export function setPrefixListEntries(
  state: RegionState,
  id: string,
  entries: readonly { cidr: string; description?: string }[],
): ManagedPrefixListModel {
  const list = prefixListOf(state, id);
  const version = list.addressFamily === "IPv4" ? 4 : 6;
  for (const e of entries) {
    if (parseCidr(e.cidr)?.version !== version) {
      throw awsError(
        "InvalidParameterValue",
        `The CIDR ${e.cidr} is not a valid ${list.addressFamily} block.`,
      );
    }
  }
  if (entries.length > list.maxEntries) {
    throw awsError(
      "PrefixListMaxEntriesExceeded",
      `The prefix list ${list.id} has a maximum of ${list.maxEntries} entries.`,
    );
  }
  list.version += 1;
  list.versions.set(
    list.version,
    entries.map((e) => prune({ cidr: canonicalDestination(e.cidr), description: e.description })),
  );
  return list;
}

/** Registered in ec2Model (sim/account/ec2.ts). */
export const prefixListOperations: ServiceModel = {
  DescribeManagedPrefixLists: describeManagedPrefixLists,
  GetManagedPrefixListEntries: getManagedPrefixListEntries,
};
