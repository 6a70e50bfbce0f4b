namespace AgentService.Runtime.Deliveries;

/// <summary>What the tracker did with a received delivery.</summary>
internal enum DeliveryDisposition
{
    /// <summary>New; handed out now.</summary>
    Accepted,

    /// <summary>New; held until earlier sequences arrive.</summary>
    Held,

    /// <summary>Already open; only its reply target changed.</summary>
    Redelivered,

    /// <summary>Already applied; acknowledged and dropped.</summary>
    Duplicate,

    /// <summary>Past expiresAt; acknowledged, not applied.</summary>
    Expired,
}
