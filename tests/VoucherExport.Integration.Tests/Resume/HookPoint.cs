namespace VoucherExport.Integration.Tests.Resume;

/// <summary>Where the hooked sink and store call their test's hook (to inject a fault there, or to pause).</summary>
internal enum HookPoint
{
    /// <summary>Before bytes of a chunk go to the sink (the chunk is not stored).</summary>
    BeforeWrite,

    /// <summary>After bytes of a chunk went to the sink; the hook is told how many bytes the chunk holds so far.</summary>
    AfterWrite,

    /// <summary>Inside the sink's commit, before the chunk is stored.</summary>
    BeforeCommit,

    /// <summary>Right after the sink stored the chunk, before the registry records it.</summary>
    AfterCommit,

    /// <summary>Before the manifest goes to the sink (after the registry's lease check).</summary>
    BeforeManifest,

    /// <summary>Right after the manifest was stored.</summary>
    AfterManifest,

    /// <summary>Right after the registry recorded the chunk (the record is written).</summary>
    AfterRecord,

    /// <summary>After the store refused to record a chunk (the lease no longer holds, or the chunk is not the next).</summary>
    RecordRefused,

    /// <summary>Before the registry's final write (<c>TryFinishAsync</c>).</summary>
    BeforeFinish,

    /// <summary>After the registry's final write succeeded.</summary>
    AfterFinish,

    /// <summary>After the store refused the registry's final write (the lease no longer holds).</summary>
    FinishRefused,

    /// <summary>Before a lease renewal reaches the store.</summary>
    BeforeRenew,
}
