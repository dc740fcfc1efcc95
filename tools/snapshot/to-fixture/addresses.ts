import type { Address, SubnetCidrReservation } from "@aws-sdk/client-ec2";
import type { PrefixListRead } from "../read/addresses";
import { compact, type KeepTag, keptTagMap, type Out } from "./common";

/** An Elastic IP in a VPC, and the private address it is associated with. */
export const toElasticIp = (a: Address, keep: KeepTag): Out<"elasticIps"> =>
  compact({
    allocationId: a.AllocationId ?? "",
    publicIp: a.PublicIp ?? "",
    association:
      a.NetworkInterfaceId === undefined || a.PrivateIpAddress === undefined
        ? undefined
        : compact({
            networkInterfaceId: a.NetworkInterfaceId,
            privateIpAddress: a.PrivateIpAddress,
            associationId: a.AssociationId,
          }),
    tags: keptTagMap(a.Tags, keep),
  });

export const toCidrReservation = (r: SubnetCidrReservation, keep: KeepTag): Out<"subnetCidrReservations"> =>
  compact({
    id: r.SubnetCidrReservationId,
    subnetId: r.SubnetId ?? "",
    cidr: r.Cidr ?? "",
    reservationType: r.ReservationType === "prefix" ? ("prefix" as const) : ("explicit" as const),
    description: r.Description,
    tags: keptTagMap(r.Tags, keep),
  });

export const toPrefixList = ({ list, entries }: PrefixListRead, keep: KeepTag): Out<"managedPrefixLists"> =>
  compact({
    id: list.PrefixListId ?? "",
    name: list.PrefixListName ?? "",
    addressFamily: list.AddressFamily === "IPv6" ? ("IPv6" as const) : ("IPv4" as const),
    maxEntries: list.MaxEntries ?? 1,
    entries: entries.map((e) => compact({ cidr: e.Cidr ?? "", description: e.Description })),
    version: list.Version,
    // AWS-managed lists are owned by "AWS", not an account.
    ownerId: /^\d{12}$/.test(list.OwnerId ?? "") ? list.OwnerId : undefined,
    tags: keptTagMap(list.Tags, keep),
  });
