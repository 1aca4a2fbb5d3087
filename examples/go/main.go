package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
	"github.com/tap/pulumi-tap/sdk/go/tap"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		logRetentionInDays := 90
		if param := cfg.GetInt("logRetentionInDays"); param != 0 {
			logRetentionInDays = param
		}
		eastResource, err := tap.NewSecureRegion(ctx, "east", &tap.SecureRegionArgs{
			Region:                pulumi.String("us-east-1"),
			LogRetentionInDays:    pulumi.Int(logRetentionInDays),
			PasswordPolicy:        &tap.PasswordPolicyArgs{},
			ManageAccountSettings: pulumi.Bool(true),
		})
		if err != nil {
			return err
		}
		westResource, err := tap.NewSecureRegion(ctx, "west", &tap.SecureRegionArgs{
			Region:             pulumi.String("us-west-2"),
			CidrBlock:          pulumi.String("10.1.0.0/16"),
			LogRetentionInDays: pulumi.Int(logRetentionInDays),
		})
		if err != nil {
			return err
		}
		centralResource, err := tap.NewSecureRegion(ctx, "central", &tap.SecureRegionArgs{
			Region:                pulumi.String("eu-central-1"),
			CidrBlock:             pulumi.String("10.2.0.0/16"),
			AvailabilityZoneCount: pulumi.IntRef(3),
			LogRetentionInDays:    pulumi.Int(logRetentionInDays),
		})
		if err != nil {
			return err
		}
		ctx.Export("east", pulumi.Map{
			"vpcId":             eastResource.VpcId,
			"subnetIds":         eastResource.SubnetIds,
			"internetGatewayId": eastResource.InternetGatewayId,
			"routeTableId":      eastResource.RouteTableId,
			"securityGroupId":   eastResource.SecurityGroupId,
			"kmsKeyId":          eastResource.KmsKeyId,
			"kmsKeyArn":         eastResource.KmsKeyArn,
			"kmsAliasName":      eastResource.KmsAliasName,
			"apiGatewayRoleArn": eastResource.ApiGatewayRoleArn,
			"vpcEndpointId":     eastResource.VpcEndpointId,
			"s3VpcEndpointId":   eastResource.S3VpcEndpointId,
			"restApiId":         eastResource.RestApiId,
			"logGroupName":      eastResource.LogGroupName,
			"logGroupArn":       eastResource.LogGroupArn,
			"bucketName":        eastResource.BucketName,
			"bucketArn":         eastResource.BucketArn,
		})
		ctx.Export("west", pulumi.Map{
			"vpcId":             westResource.VpcId,
			"subnetIds":         westResource.SubnetIds,
			"internetGatewayId": westResource.InternetGatewayId,
			"routeTableId":      westResource.RouteTableId,
			"securityGroupId":   westResource.SecurityGroupId,
			"kmsKeyId":          westResource.KmsKeyId,
			"kmsKeyArn":         westResource.KmsKeyArn,
			"kmsAliasName":      westResource.KmsAliasName,
			"apiGatewayRoleArn": westResource.ApiGatewayRoleArn,
			"vpcEndpointId":     westResource.VpcEndpointId,
			"s3VpcEndpointId":   westResource.S3VpcEndpointId,
			"restApiId":         westResource.RestApiId,
			"logGroupName":      westResource.LogGroupName,
			"logGroupArn":       westResource.LogGroupArn,
			"bucketName":        westResource.BucketName,
			"bucketArn":         westResource.BucketArn,
		})
		ctx.Export("central", pulumi.Map{
			"vpcId":             centralResource.VpcId,
			"subnetIds":         centralResource.SubnetIds,
			"internetGatewayId": centralResource.InternetGatewayId,
			"routeTableId":      centralResource.RouteTableId,
			"securityGroupId":   centralResource.SecurityGroupId,
			"kmsKeyId":          centralResource.KmsKeyId,
			"kmsKeyArn":         centralResource.KmsKeyArn,
			"kmsAliasName":      centralResource.KmsAliasName,
			"apiGatewayRoleArn": centralResource.ApiGatewayRoleArn,
			"vpcEndpointId":     centralResource.VpcEndpointId,
			"s3VpcEndpointId":   centralResource.S3VpcEndpointId,
			"restApiId":         centralResource.RestApiId,
			"logGroupName":      centralResource.LogGroupName,
			"logGroupArn":       centralResource.LogGroupArn,
			"bucketName":        centralResource.BucketName,
			"bucketArn":         centralResource.BucketArn,
		})
		return nil
	})
}
