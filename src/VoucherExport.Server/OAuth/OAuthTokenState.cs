namespace VoucherExport.Server.OAuth;

/// <summary>What a check of an OAuth token found.</summary>
internal enum OAuthTokenState
{
    /// <summary>Signed by this server, not expired, not revoked.</summary>
    Active,

    /// <summary>Malformed, or not signed with this server's key (forged, tampered, or another deployment's).</summary>
    Invalid,

    /// <summary>Past its <c>expires_at</c>.</summary>
    Expired,

    /// <summary>Revoked through <c>POST /v1/oauth/token/revoke</c> (on any instance sharing the revocation store).</summary>
    Revoked,
}
