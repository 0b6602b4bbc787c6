using System.Net;
using Amazon.Runtime;
using Amazon.S3;

namespace VoucherExport.S3;

/// <summary>Turns store failures into errors that say which operation failed on which object.</summary>
internal static class S3Errors
{
    /// <summary>Whether <paramref name="e"/> is a failure of the store or the network (not a cancellation or a bug).</summary>
    public static bool IsStoreFailure(Exception e) => e is AmazonServiceException or AmazonClientException or HttpRequestException;

    /// <summary>Whether the object or bucket asked for does not exist.</summary>
    public static bool IsNotFound(Exception e) => e is AmazonS3Exception { StatusCode: HttpStatusCode.NotFound };

    /// <summary>Whether a conditional write found the object already there.</summary>
    public static bool IsPreconditionFailed(Exception e) => e is AmazonS3Exception { StatusCode: HttpStatusCode.PreconditionFailed };

    /// <summary>An <see cref="IOException"/> naming the operation, the object and the store's answer.</summary>
    public static IOException Wrap(string operation, string bucket, string key, Exception e)
    {
        string answer = e is AmazonS3Exception s3
            ? $"{(int)s3.StatusCode} {s3.ErrorCode}{(string.IsNullOrEmpty(s3.Message) ? "" : ": " + s3.Message)}"
            : e.Message;
        var failure = new IOException($"S3 {operation} of s3://{bucket}/{key} failed: {answer}", e);

        // A 4xx other than a timeout or throttling (denied, no such bucket) fails again on a rerun; 5xx and network faults may not.
        bool permanent = e is AmazonServiceException { StatusCode: var status } && (int)status is >= 400 and < 500
            && status is not (HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests);
        return permanent ? Registry.TransientFaults.Mark(failure, transient: false) : failure;
    }
}
