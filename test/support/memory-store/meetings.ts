/**
 * The MeetingRecords port in memory, on the shared {@link MemoryTable}, with the DynamoDB store's
 * conditions.
 */

import type { MeetingRecords } from "../../../functions/domain/ports";
import type { MeetingRecord, ReferralRecord } from "../../../functions/domain/records";
import { copy, type MemoryTable } from "./table";

export class InMemoryMeetings implements MeetingRecords {
  constructor(private readonly table: MemoryTable) {}

  async takeSeat(meetingId: string, startsAt: Date, capacity: number, holder?: string) {
    const meeting = this.table.meetings.get(meetingId);
    const holders = this.table.seatHolders.get(meetingId) ?? new Set<string>();
    if (holder && holders.has(holder)) {
      this.table.seatAttempts.push({ meetingId, taken: true });
      return true;
    }
    const taken = !meeting || meeting.seats < capacity;
    if (taken && holder) this.table.seatHolders.set(meetingId, holders.add(holder));
    if (taken) {
      this.table.meetings.set(meetingId, {
        meetingId,
        startsAt: startsAt.toISOString(),
        capacity,
        seats: (meeting?.seats ?? 0) + 1,
        agendaId: meeting?.agendaId ?? `agenda-${meetingId}`,
        ...(meeting?.agendaSentAt ? { agendaSentAt: meeting.agendaSentAt } : {}),
      });
    }
    this.table.seatAttempts.push({ meetingId, taken });
    return taken;
  }

  async getMeeting(meetingId: string) {
    const found = this.table.meetings.get(meetingId);
    return found ? copy(found) : undefined;
  }

  async meetingsStartingBetween(from: Date, until: Date) {
    return [...this.table.meetings.values()]
      .filter((m) => Date.parse(m.startsAt) >= from.getTime() && Date.parse(m.startsAt) <= until.getTime())
      .sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.meetingId.localeCompare(b.meetingId))
      .map((meeting) => {
        const holders = this.table.seatHolders.get(meeting.meetingId);
        return copy(holders?.size ? { ...meeting, holders: [...holders].sort() } : meeting);
      });
  }

  async claimAgenda(meeting: MeetingRecord, sentAt: string) {
    const stored = this.table.meetings.get(meeting.meetingId);
    if (!stored || stored.agendaId !== meeting.agendaId || stored.agendaSentAt) return false;
    stored.agendaSentAt = sentAt;
    this.table.agendas.set(stored.agendaId, stored.meetingId);
    return true;
  }

  async releaseAgenda(meeting: MeetingRecord, sentAt: string) {
    const stored = this.table.meetings.get(meeting.meetingId);
    if (stored?.agendaSentAt === sentAt) delete stored.agendaSentAt;
  }

  async completeAgenda(meeting: MeetingRecord, deliveredAt: string) {
    const stored = this.table.meetings.get(meeting.meetingId);
    if (stored?.agendaId === meeting.agendaId && !stored.agendaDeliveredAt)
      stored.agendaDeliveredAt = deliveredAt;
  }

  async findMeetingByAgendaId(agendaId: string) {
    const meetingId = this.table.agendas.get(agendaId);
    return meetingId ? this.getMeeting(meetingId) : undefined;
  }

  async listMeetingReferrals(meetingId: string) {
    return [...(this.table.meetingReferrals.get(meetingId) ?? [])]
      .map((id) => this.table.referrals.get(id))
      .filter((referral): referral is ReferralRecord => referral !== undefined)
      .map(copy);
  }
}
