"""A local S3 for the owners' photos: moto's server with the photo bucket made at start.

Browsers load the files straight from it (path-style: http://127.0.0.1:<port>/<bucket>/photos/…),
as they load them from the real bucket's public `photos/` prefix. `python -m devstack.s3 --port N`.
"""
import argparse

from devstack.moto_standin import MotoStandin, local_client, serve_until_signalled

BUCKET = "anchor-photos"


class S3Standin(MotoStandin):
    """moto's server on 127.0.0.1 (a free port unless one is given), speaking S3."""

    def create_bucket(self, name=BUCKET):
        """Make the photo bucket; returns the base URL browsers load photos from."""
        local_client("s3", self.endpoint).create_bucket(Bucket=name)
        return f"{self.endpoint}/{name}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=5059)
    parser.add_argument("--bucket", default=BUCKET)
    args = parser.parse_args(argv)
    standin = S3Standin(args.port).start()
    base_url = standin.create_bucket(args.bucket)
    serve_until_signalled(standin, bucket=args.bucket, base_url=base_url)


if __name__ == "__main__":
    main()
