import pulumi
import pulumi_tap as tap

config = pulumi.Config()
log_retention_in_days = config.get_int("logRetentionInDays")
if log_retention_in_days is None:
    log_retention_in_days = 90
east_resource = tap.SecureRegion("east",
    region="us-east-1",
    log_retention_in_days=log_retention_in_days,
    password_policy={},
    manage_account_settings=True)
west_resource = tap.SecureRegion("west",
    region="us-west-2",
    cidr_block="10.1.0.0/16",
    log_retention_in_days=log_retention_in_days)
central_resource = tap.SecureRegion("central",
    region="eu-central-1",
    cidr_block="10.2.0.0/16",
    availability_zone_count=3,
    log_retention_in_days=log_retention_in_days)
pulumi.export("east", {
    "vpcId": east_resource.vpc_id,
    "subnetIds": east_resource.subnet_ids,
    "internetGatewayId": east_resource.internet_gateway_id,
    "routeTableId": east_resource.route_table_id,
    "securityGroupId": east_resource.security_group_id,
    "kmsKeyId": east_resource.kms_key_id,
    "kmsKeyArn": east_resource.kms_key_arn,
    "kmsAliasName": east_resource.kms_alias_name,
    "apiGatewayRoleArn": east_resource.api_gateway_role_arn,
    "vpcEndpointId": east_resource.vpc_endpoint_id,
    "s3VpcEndpointId": east_resource.s3_vpc_endpoint_id,
    "restApiId": east_resource.rest_api_id,
    "logGroupName": east_resource.log_group_name,
    "logGroupArn": east_resource.log_group_arn,
    "bucketName": east_resource.bucket_name,
    "bucketArn": east_resource.bucket_arn,
})
pulumi.export("west", {
    "vpcId": west_resource.vpc_id,
    "subnetIds": west_resource.subnet_ids,
    "internetGatewayId": west_resource.internet_gateway_id,
    "routeTableId": west_resource.route_table_id,
    "securityGroupId": west_resource.security_group_id,
    "kmsKeyId": west_resource.kms_key_id,
    "kmsKeyArn": west_resource.kms_key_arn,
    "kmsAliasName": west_resource.kms_alias_name,
    "apiGatewayRoleArn": west_resource.api_gateway_role_arn,
    "vpcEndpointId": west_resource.vpc_endpoint_id,
    "s3VpcEndpointId": west_resource.s3_vpc_endpoint_id,
    "restApiId": west_resource.rest_api_id,
    "logGroupName": west_resource.log_group_name,
    "logGroupArn": west_resource.log_group_arn,
    "bucketName": west_resource.bucket_name,
    "bucketArn": west_resource.bucket_arn,
})
pulumi.export("central", {
    "vpcId": central_resource.vpc_id,
    "subnetIds": central_resource.subnet_ids,
    "internetGatewayId": central_resource.internet_gateway_id,
    "routeTableId": central_resource.route_table_id,
    "securityGroupId": central_resource.security_group_id,
    "kmsKeyId": central_resource.kms_key_id,
    "kmsKeyArn": central_resource.kms_key_arn,
    "kmsAliasName": central_resource.kms_alias_name,
    "apiGatewayRoleArn": central_resource.api_gateway_role_arn,
    "vpcEndpointId": central_resource.vpc_endpoint_id,
    "s3VpcEndpointId": central_resource.s3_vpc_endpoint_id,
    "restApiId": central_resource.rest_api_id,
    "logGroupName": central_resource.log_group_name,
    "logGroupArn": central_resource.log_group_arn,
    "bucketName": central_resource.bucket_name,
    "bucketArn": central_resource.bucket_arn,
})
