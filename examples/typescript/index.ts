import * as pulumi from "@pulumi/pulumi";
import * as tap from "@tap/pulumi-tap";

const config = new pulumi.Config();
const logRetentionInDays = config.getNumber("logRetentionInDays") || 90;
const eastResource = new tap.SecureRegion("east", {
    region: "us-east-1",
    logRetentionInDays: logRetentionInDays,
    passwordPolicy: {},
    manageAccountSettings: true,
});
const westResource = new tap.SecureRegion("west", {
    region: "us-west-2",
    cidrBlock: "10.1.0.0/16",
    logRetentionInDays: logRetentionInDays,
});
const centralResource = new tap.SecureRegion("central", {
    region: "eu-central-1",
    cidrBlock: "10.2.0.0/16",
    availabilityZoneCount: 3,
    logRetentionInDays: logRetentionInDays,
});
export const east = {
    vpcId: eastResource.vpcId,
    subnetIds: eastResource.subnetIds,
    internetGatewayId: eastResource.internetGatewayId,
    routeTableId: eastResource.routeTableId,
    securityGroupId: eastResource.securityGroupId,
    kmsKeyId: eastResource.kmsKeyId,
    kmsKeyArn: eastResource.kmsKeyArn,
    kmsAliasName: eastResource.kmsAliasName,
    apiGatewayRoleArn: eastResource.apiGatewayRoleArn,
    vpcEndpointId: eastResource.vpcEndpointId,
    s3VpcEndpointId: eastResource.s3VpcEndpointId,
    restApiId: eastResource.restApiId,
    logGroupName: eastResource.logGroupName,
    logGroupArn: eastResource.logGroupArn,
    bucketName: eastResource.bucketName,
    bucketArn: eastResource.bucketArn,
};
export const west = {
    vpcId: westResource.vpcId,
    subnetIds: westResource.subnetIds,
    internetGatewayId: westResource.internetGatewayId,
    routeTableId: westResource.routeTableId,
    securityGroupId: westResource.securityGroupId,
    kmsKeyId: westResource.kmsKeyId,
    kmsKeyArn: westResource.kmsKeyArn,
    kmsAliasName: westResource.kmsAliasName,
    apiGatewayRoleArn: westResource.apiGatewayRoleArn,
    vpcEndpointId: westResource.vpcEndpointId,
    s3VpcEndpointId: westResource.s3VpcEndpointId,
    restApiId: westResource.restApiId,
    logGroupName: westResource.logGroupName,
    logGroupArn: westResource.logGroupArn,
    bucketName: westResource.bucketName,
    bucketArn: westResource.bucketArn,
};
export const central = {
    vpcId: centralResource.vpcId,
    subnetIds: centralResource.subnetIds,
    internetGatewayId: centralResource.internetGatewayId,
    routeTableId: centralResource.routeTableId,
    securityGroupId: centralResource.securityGroupId,
    kmsKeyId: centralResource.kmsKeyId,
    kmsKeyArn: centralResource.kmsKeyArn,
    kmsAliasName: centralResource.kmsAliasName,
    apiGatewayRoleArn: centralResource.apiGatewayRoleArn,
    vpcEndpointId: centralResource.vpcEndpointId,
    s3VpcEndpointId: centralResource.s3VpcEndpointId,
    restApiId: centralResource.restApiId,
    logGroupName: centralResource.logGroupName,
    logGroupArn: centralResource.logGroupArn,
    bucketName: centralResource.bucketName,
    bucketArn: centralResource.bucketArn,
};
