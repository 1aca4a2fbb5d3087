// A native Pulumi provider that builds a complete, locked-down AWS region: tap:index:SecureRegion and the AWS resources it is made of.
package tap
