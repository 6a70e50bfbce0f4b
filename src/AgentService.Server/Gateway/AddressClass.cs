namespace AgentService.Server.Gateway;

/// <summary>What an IP address is, for the webhook URL policy.</summary>
internal enum AddressClass
{
    /// <summary>A public unicast address: allowed.</summary>
    Public,

    /// <summary>127.0.0.0/8, ::1: allowed when <see cref="GatewayOptions.AllowLoopback"/> (default).</summary>
    Loopback,

    /// <summary>10/8, 172.16/12, 192.168/16, 100.64/10 (shared), fc00::/7, fec0::/10: allowed when <see cref="GatewayOptions.AllowPrivateNetworks"/>.</summary>
    Private,

    /// <summary>169.254.0.0/16, fe80::/10: never allowed.</summary>
    LinkLocal,

    /// <summary>A cloud instance-metadata endpoint (169.254.169.254, fd00:ec2::254, 100.100.100.200, 168.63.129.16): never allowed.</summary>
    Metadata,

    /// <summary>0.0.0.0/8, ::: never allowed.</summary>
    Unspecified,

    /// <summary>224.0.0.0/4, ff00::/8: never allowed.</summary>
    Multicast,

    /// <summary>240.0.0.0/4 (with the broadcast address) and other addresses that are not unicast: never allowed.</summary>
    Reserved,
}
