namespace AgentService.Server.Storage;

/// <summary>
/// Gateway messages and their outbox: a message is stored together with its outbox entry, and the entry leaves the
/// outbox only in the commit that records the message delivered or failed — so an accepted message is never lost to a
/// crash. Entries are claimed with a lease (in flight, held by one node) that ends at its due time: an entry whose lease ran out (its pusher
/// never recorded an outcome) is due again. Leases left by a stopped process are released at start.
/// </summary>
internal interface IGatewayMessageStore
{
    /// <summary>Stores the message as <c>queued</c> (the next position of its conversation) with its outbox entry, due at
    /// <paramref name="dueAt"/>; <paramref name="leased"/> stores it already claimed (the request pushes it itself).</summary>
    Task<GatewayMessageRecord> CreateAsync(NewGatewayMessage message, DateTimeOffset dueAt, bool leased, CancellationToken cancellationToken);

    Task<GatewayMessageRecord?> GetAsync(string messageId, CancellationToken cancellationToken);

    /// <summary>A page of the conversation's messages, oldest first; the cost does not depend on the page number.</summary>
    Task<Page<GatewayMessageRecord>> ListConversationAsync(string conversationId, PageRequest page, CancellationToken cancellationToken);

    /// <summary>Claims up to <paramref name="max"/> entries due at <paramref name="now"/> (unclaimed, or with an expired lease),
    /// leased until <paramref name="leaseUntil"/>; returns their message ids.</summary>
    Task<IReadOnlyList<string>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max, CancellationToken cancellationToken);

    /// <summary>When the earliest entry is due (or its lease ends); <c>null</c> when there is none.</summary>
    Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken);

    /// <summary>At start: releases the leases this node's last process left (entries in flight when it stopped) and those
    /// that ran out, due at once; returns how many. Never another live node's leases: on a shared database (PostgreSQL)
    /// leases carry their node (<see cref="Hosting.NodeIdentity"/>); on SQLite the node is alone and releases every lease.</summary>
    Task<int> ReleaseLeasesAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Makes the unclaimed entries for <paramref name="toAgentId"/> due at once (the agent came online); returns how many.</summary>
    Task<int> WakeAsync(string toAgentId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Records the end of a delivery attempt and moves or removes the outbox entry accordingly.</summary>
    Task RecordAsync(DeliveryUpdate update, CancellationToken cancellationToken);
}
